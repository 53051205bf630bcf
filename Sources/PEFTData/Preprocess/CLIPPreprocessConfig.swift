import Foundation
import PEFTStore

/// The image half of a Hugging Face `preprocessor_config.json` for CLIP (`CLIPImageProcessor`), with the same
/// field names and defaults (OpenAI CLIP: shortest edge 224, bicubic, centre crop 224, mean/std of OpenAI CLIP).
public struct CLIPPreprocessConfig: Sendable, Hashable, Codable {
    /// How the resize step picks its output size.
    public enum ResizeTarget: Sendable, Hashable, Codable {
        /// Scale so the shorter side equals this, the longer side `Int(size × long / short)` (truncated),
        /// as transformers' `get_resize_output_image_size(default_to_square=False)`.
        case shortestEdge(Int)
        /// Resize to exactly this size, ignoring the aspect ratio.
        case exact(height: Int, width: Int)
    }

    /// OpenAI CLIP's per-channel mean (`OPENAI_CLIP_MEAN`).
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP's per-channel standard deviation (`OPENAI_CLIP_STD`).
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]

    /// `do_resize`: run the resize step.
    public var doResize = true
    /// `size`: the resize target (shortest edge 224 for OpenAI CLIP).
    public var size = ResizeTarget.shortestEdge(224)
    /// `resample`: Pillow filter code (3 = bicubic).
    public var resample = ResampleFilter.bicubic
    /// `do_center_crop`: run the centre crop.
    public var doCenterCrop = true
    /// `crop_size.height` / `crop_size.width` in pixels.
    public var cropHeight = 224
    public var cropWidth = 224
    /// `do_rescale` / `rescale_factor`: multiply pixel values (1/255 maps bytes to [0, 1]).
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255.0
    /// `do_normalize` / `image_mean` / `image_std`: per-channel `(x − mean) / std` in float32.
    public var doNormalize = true
    public var imageMean = CLIPPreprocessConfig.openAIMean
    public var imageStd = CLIPPreprocessConfig.openAIStd

    /// OpenAI CLIP's settings (ViT-B/32 at 224 pixels).
    public init() {}

    /// OpenAI CLIP's settings at another resolution: shortest edge and square crop of `side` pixels.
    public init(side: Int) {
        size = .shortestEdge(side)
        cropHeight = side
        cropWidth = side
    }

    /// Reads `preprocessor_config.json` from a backbone directory (or the file itself).
    /// Accepts both the modern dict forms (`{"shortest_edge": 224}`, `{"height": 224, "width": 224}`) and the
    /// legacy integer forms of `size` and `crop_size`.
    /// - Throws: `DataError.io` when unreadable, `.badConfig` naming the bad field.
    public static func read(_ url: URL) throws -> CLIPPreprocessConfig {
        var file = url
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = url.appendingPathComponent("preprocessor_config.json")
        }
        let data: Data
        do { data = try FileIO.read(file.path) } catch {
            throw DataError.io(path: file.path, reason: "cannot read the preprocessor config: \(error.reason)")
        }
        return try parse(data, path: file.path)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `path` is used in error messages.
    /// - Throws: `DataError.badConfig` naming the bad field.
    public static func parse(_ data: Data, path: String) throws -> CLIPPreprocessConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw DataError.badConfig(path: path, field: "(root)", expected: "a JSON object",
                                      found: "\(data.count) bytes that do not parse as one")
        }
        let fields = ConfigFields(path: path, json: json)
        var config = CLIPPreprocessConfig()
        config.doResize = try fields.bool("do_resize", default: true)
        if let size = json["size"] {
            config.size = try fields.resizeTarget(size)
        }
        if let resample = json["resample"] {
            guard let code = resample as? Int, let filter = ResampleFilter(rawValue: code) else {
                throw DataError.badConfig(path: path, field: "resample",
                                          expected: "a Pillow filter code 1…5 (3 = bicubic)", found: "\(resample)")
            }
            config.resample = filter
        }
        config.doCenterCrop = try fields.bool("do_center_crop", default: true)
        if let crop = json["crop_size"] {
            (config.cropHeight, config.cropWidth) = try fields.cropSize(crop)
        }
        config.doRescale = try fields.bool("do_rescale", default: true)
        config.rescaleFactor = try fields.double("rescale_factor", default: 1.0 / 255.0)
        config.doNormalize = try fields.bool("do_normalize", default: true)
        config.imageMean = try fields.triple("image_mean", default: openAIMean)
        config.imageStd = try fields.triple("image_std", default: openAIStd)
        guard config.imageStd.allSatisfy({ $0 != 0 }) else {
            throw DataError.badConfig(path: path, field: "image_std", expected: "three non-zero numbers",
                                      found: "\(config.imageStd)")
        }
        return config
    }

    /// A canonical one-line description of every setting that changes the output pixels; its SHA-256 keys the
    /// tensor and feature caches (see `CLIPPreprocessor.cacheKey`).
    public var canonicalDescription: String {
        let resize: String
        switch size {
        case .shortestEdge(let edge): resize = "shortest_edge=\(edge)"
        case .exact(let h, let w): resize = "exact=\(h)x\(w)"
        }
        return "clip-image-v1;resize=\(doResize ? resize : "none");resample=\(resample.rawValue);"
            + "crop=\(doCenterCrop ? "\(cropHeight)x\(cropWidth)" : "none");"
            + "rescale=\(doRescale ? "\(rescaleFactor)" : "none");"
            + "normalize=\(doNormalize ? "\(imageMean)/\(imageStd)" : "none")"
    }
}

/// Typed access to the fields of a preprocessor config, with errors naming the field.
private struct ConfigFields {
    let path: String
    let json: [String: Any]

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = json[key], !(value is NSNull) else { return fallback }
        guard let flag = value as? Bool else {
            throw DataError.badConfig(path: path, field: key, expected: "true or false", found: "\(value)")
        }
        return flag
    }

    func double(_ key: String, default fallback: Double) throws -> Double {
        guard let value = json[key], !(value is NSNull) else { return fallback }
        guard let number = value as? NSNumber, !(value is Bool) else {
            throw DataError.badConfig(path: path, field: key, expected: "a number", found: "\(value)")
        }
        return number.doubleValue
    }

    func triple(_ key: String, default fallback: [Double]) throws -> [Double] {
        guard let value = json[key], !(value is NSNull) else { return fallback }
        if let number = value as? NSNumber { return Array(repeating: number.doubleValue, count: 3) }
        guard let list = value as? [NSNumber], list.count == 3 else {
            throw DataError.badConfig(path: path, field: key, expected: "a list of three numbers", found: "\(value)")
        }
        return list.map(\.doubleValue)
    }

    private func positive(_ value: Any?, field: String) throws -> Int {
        guard let number = value as? Int, number > 0 else {
            throw DataError.badConfig(path: path, field: field, expected: "a positive integer",
                                      found: "\(value ?? "nothing")")
        }
        return number
    }

    func resizeTarget(_ value: Any) throws -> CLIPPreprocessConfig.ResizeTarget {
        if value is Int { return .shortestEdge(try positive(value, field: "size")) }
        guard let dict = value as? [String: Any] else {
            throw DataError.badConfig(path: path, field: "size", expected: "an integer or an object", found: "\(value)")
        }
        if let edge = dict["shortest_edge"], !(edge is NSNull) {
            if let longest = dict["longest_edge"], !(longest is NSNull) {
                throw DataError.badConfig(path: path, field: "size.longest_edge", expected: "absent for CLIP",
                                          found: "\(longest)")
            }
            return .shortestEdge(try positive(edge, field: "size.shortest_edge"))
        }
        return .exact(height: try positive(dict["height"], field: "size.height"),
                      width: try positive(dict["width"], field: "size.width"))
    }

    func cropSize(_ value: Any) throws -> (Int, Int) {
        if value is Int {
            let side = try positive(value, field: "crop_size")
            return (side, side)
        }
        guard let dict = value as? [String: Any] else {
            throw DataError.badConfig(path: path, field: "crop_size", expected: "an integer or an object",
                                      found: "\(value)")
        }
        return (try positive(dict["height"], field: "crop_size.height"),
                try positive(dict["width"], field: "crop_size.width"))
    }
}
