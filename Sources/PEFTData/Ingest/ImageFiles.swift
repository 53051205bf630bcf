import Foundation
import PEFTStore

/// An image file read from disk and hashed, not yet decoded.
struct LoadedFile: Sendable {
    var field: String
    var path: String
    var sha256: String
    var bytes: [UInt8]
}

/// The files one row references: its main image and extra image fields.
struct RowFiles: Sendable {
    var main: LoadedFile?
    var extra: [(name: String, files: [LoadedFile])]

    var all: [LoadedFile] { (main.map { [$0] } ?? []) + extra.flatMap(\.files) }
}

/// Reading, hashing and decoding of the images a manifest row references.
enum ImageFiles {
    /// Reads and hashes every image of `row`; the first missing, unreadable or escaping path fails the row.
    static func load(_ row: ParsedRow, root: ImageRoot, imageField: String) -> Result<RowFiles, RowProblem> {
        func read(_ name: String, field: String) -> Result<LoadedFile, RowProblem> {
            switch root.resolve(name) {
            case .failure(var problem):
                problem.field = field
                return .failure(problem)
            case .success(let url):
                let bytes: [UInt8]
                do { bytes = [UInt8](try FileIO.read(url.path)) } catch {
                    return .failure(RowProblem(field: field, reason: error.code == ENOENT
                                                ? "image file not found: \(url.path)"
                                                : "cannot read image file \(url.path): \(error.reason)"))
                }
                return .success(LoadedFile(field: field, path: url.path, sha256: SHA256.hexDigest(bytes), bytes: bytes))
            }
        }
        var files = RowFiles(main: nil, extra: [])
        if let image = row.image {
            switch read(image, field: imageField) {
            case .success(let file): files.main = file
            case .failure(let problem): return .failure(problem)
            }
        }
        for (name, list) in row.extraImages {
            var loaded: [LoadedFile] = []
            for item in list {
                switch read(item, field: name) {
                case .success(let file): loaded.append(file)
                case .failure(let problem): return .failure(problem)
                }
            }
            files.extra.append((name, loaded))
        }
        return .success(files)
    }

    /// Decodes one file (strictly, by default) and, with a pixel cache, computes its resized + cropped pixels.
    static func decode(_ file: LoadedFile, options: ImageDecodeOptions, cache: CLIPPreprocessor?)
        -> Result<StoredImage, ImageDecodeError>
    {
        do {
            let image = try ImageDecoder.decode(file.bytes, options: options)
            let format = ImageFormat(sniffing: file.bytes) ?? .jpeg
            return .success(StoredImage(sha256: file.sha256, bytes: file.bytes, format: format, width: image.width,
                                        height: image.height, cachedPixels: try cache?.resizedAndCropped(image)))
        } catch {
            return .failure(error)
        }
    }
}
