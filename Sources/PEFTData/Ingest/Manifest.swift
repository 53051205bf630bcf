import Foundation
import PEFTStore

/// Manifest layouts `peftlab ingest` reads.
public enum ManifestFormat: String, Sendable, CaseIterable, Codable {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    case jsonl
    /// Comma-separated values with a header row (RFC 4180 quoting, quoted newlines allowed).
    case csv
    /// Tab-separated values with a header row (same quoting rules as CSV).
    case tsv
    /// MMSD2.0's layout: one JSON array of objects with `image_id`, `text` and `label` (`.json`).
    case mmsd2
    /// PhotoChat's layout: one JSON array of dialogues with `dialogue`, `photo_id`, `photo_description`
    /// (`PhotoChatManifest`; name it with `--format photochat`, `.json` alone means MMSD2.0).
    case photochat

    /// The format a file name implies: `.jsonl`/`.ndjson`, `.csv`, `.tsv`/`.tab`, `.json` (MMSD2.0 layout).
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "jsonl", "ndjson": self = .jsonl
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "json": self = .mmsd2
        default: return nil
        }
    }
}

/// One data row of a manifest: its 1-based line (for JSON arrays, the 1-based element number) and either its
/// fields or why it could not be parsed.
public struct ManifestRow: Sendable, Equatable {
    /// 1-based line the row starts on (JSON arrays: 1-based element number).
    public let line: Int
    /// Field name → value (CSV/TSV cells are strings; empty cells are absent).
    public let fields: [String: JSONValue]
    /// Set when the row itself is malformed (bad JSON, wrong column count); such rows are quarantined.
    public let parseError: String?
    /// The field `parseError` is about, when the layout names one (PhotoChat's `dialogue[3].message`).
    public var errorField: String? = nil
}

/// A parsed manifest: its rows, format and the SHA-256 of its bytes (to recognise re-ingests).
public struct Manifest: Sendable {
    /// The path it was read from (absolute when read by `Ingestor`).
    public let path: String
    public let format: ManifestFormat
    /// SHA-256 of the file bytes (`manifests.sha256`).
    public let sha256: String
    /// Data rows in file order (header excluded).
    public let rows: [ManifestRow]

    /// Reads and parses a manifest. Row-level problems become rows with `parseError`; only a file that cannot be
    /// read, or a JSON array that does not parse at all, throws.
    /// - Throws: `DataError.io`, `.badManifest`.
    public static func read(_ url: URL, format: ManifestFormat? = nil) throws -> Manifest {
        let data: Data
        do { data = try FileIO.read(url.path) } catch {
            throw DataError.io(path: url.path, reason: "cannot read the manifest: \(error.reason)")
        }
        guard let format = format ?? ManifestFormat(pathExtension: url.pathExtension) else {
            throw DataError.badManifest(path: url.path, line: 0,
                                        reason: "cannot tell the format from '.\(url.pathExtension)': pass --format "
                                            + "jsonl, csv, tsv or mmsd2")
        }
        return try parse(data, format: format, path: url.path)
    }

    /// Parses manifest bytes; `path` is used in messages.
    /// - Throws: `DataError.badManifest` when a JSON-array manifest does not parse or has no rows structure.
    public static func parse(_ data: Data, format: ManifestFormat, path: String) throws -> Manifest {
        let rows: [ManifestRow]
        switch format {
        case .jsonl: rows = jsonLines(data)
        case .csv: rows = try delimited(data, separator: ",", path: path)
        case .tsv: rows = try delimited(data, separator: "\t", path: path)
        case .mmsd2: rows = try jsonArray(data, path: path)
        case .photochat: rows = PhotoChatManifest.rows(try array(data, path: path, layout: "PhotoChat"), path: path)
        }
        return Manifest(path: path, format: format, sha256: SHA256.hexDigest(data), rows: rows)
    }

    private static func jsonLines(_ data: Data) -> [ManifestRow] {
        var rows: [ManifestRow] = []
        for line in ManifestLines(data, loneCarriageReturn: false).lines {
            let number = line.number
            guard let text = line.text else {
                rows.append(ManifestRow(line: number, fields: [:], parseError: ManifestLines.invalidUTF8Reason(line)))
                continue
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let value = try? JSONValue.parse(Data(trimmed.utf8)) else {
                rows.append(ManifestRow(line: number, fields: [:], parseError: "line is not valid JSON"))
                continue
            }
            guard case .object(let fields) = value else {
                rows.append(ManifestRow(line: number, fields: [:],
                                        parseError: "expected a JSON object, found \(value.summary)"))
                continue
            }
            rows.append(ManifestRow(line: number, fields: fields, parseError: nil))
        }
        return rows
    }

    /// The elements of a manifest that is one JSON array (`layout` names it in messages).
    private static func array(_ data: Data, path: String, layout: String) throws -> [JSONValue] {
        // One JSON document: an invalid byte cannot be pinned on one element, so the file is refused as a whole.
        if let bad = ManifestLines(data, loneCarriageReturn: false).lines.first(where: { $0.text == nil }) {
            throw DataError.badManifest(path: path, line: bad.number, reason: ManifestLines.invalidUTF8Reason(bad))
        }
        guard let value = try? JSONValue.parse(data), case .array(let items) = value else {
            throw DataError.badManifest(path: path, line: 1, reason: "expected a JSON array of objects (\(layout) layout)")
        }
        return items
    }

    private static func jsonArray(_ data: Data, path: String) throws -> [ManifestRow] {
        try array(data, path: path, layout: "MMSD2.0").enumerated().map { index, item in
            guard case .object(let fields) = item else {
                return ManifestRow(line: index + 1, fields: [:], parseError: "expected a JSON object, found \(item.summary)")
            }
            return ManifestRow(line: index + 1, fields: fields, parseError: nil)
        }
    }

    private static func delimited(_ data: Data, separator: Character, path: String) throws -> [ManifestRow] {
        let lines = ManifestLines(data).lines
        guard let first = lines.first else {
            throw DataError.badManifest(path: path, line: 1, reason: "expected a header row naming the columns")
        }
        let header = DelimitedParser.records([first], separator: separator)[0]
        if let error = header.error {
            throw DataError.badManifest(path: path, line: 1, reason: "the header row cannot be read: \(error)")
        }
        let names = header.cells.map { $0.trimmingCharacters(in: .whitespaces) }
        let records = DelimitedParser.records(Array(lines.dropFirst()), separator: separator, columns: names.count)
        return records.compactMap { record in
            if record.cells.count == 1 && record.cells[0].isEmpty && record.error == nil { return nil }  // blank line
            if let error = record.error { return ManifestRow(line: record.line, fields: [:], parseError: error) }
            guard record.cells.count == names.count else {
                return ManifestRow(line: record.line, fields: [:],
                                   parseError: "expected \(names.count) columns, found \(record.cells.count)")
            }
            var fields: [String: JSONValue] = [:]
            for (name, cell) in zip(names, record.cells) where !cell.isEmpty { fields[name] = .string(cell) }
            return ManifestRow(line: record.line, fields: fields, parseError: nil)
        }
    }
}
