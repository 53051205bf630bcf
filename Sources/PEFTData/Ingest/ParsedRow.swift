import Foundation

/// A manifest row with its fields validated and mapped, before any file is read.
struct ParsedRow: Sendable {
    var line: Int
    var sourceKey: String
    var split: String
    var text: String?
    var label: Int?
    var score: Double?
    /// (name, shape, row-major values) per feature field.
    var features: [(name: String, shape: [Int], values: [Float])]
    /// The main image's file name (pattern applied), if mapped.
    var image: String?
    /// Extra image fields: name → file names (pattern applied), in manifest order.
    var extraImages: [(name: String, files: [String])]
    /// Unmapped fields, kept for `extra_json`.
    var extra: [String: JSONValue]
    /// Canonical JSON of every field of the row: two rows with one id are the same example only if these match.
    var fingerprint = ""

    /// Validates and maps one row.
    /// - Returns: the parsed row, or the first problem found (with the field it is in).
    static func parse(_ row: ManifestRow, mapping: FieldMapping) -> Result<ParsedRow, RowProblem> {
        if let error = row.parseError { return .failure(RowProblem(field: row.errorField, reason: error)) }
        let fields = row.fields
        func required(_ name: String) -> Result<JSONValue, RowProblem> {
            guard let value = fields[name], value != .null else {
                return .failure(RowProblem(field: name, reason: "missing field '\(name)'"))
            }
            return .success(value)
        }
        do {
            var parsed = ParsedRow(line: row.line, sourceKey: "", split: "train", features: [], extraImages: [],
                                   extra: [:])
            if let name = mapping.text {
                let value = try required(name).get()
                guard let text = value.text else {
                    throw RowProblem(field: name, reason: "field '\(name)' must be text (found \(value.summary))")
                }
                parsed.text = text
            }
            if let name = mapping.label { parsed.label = try label(try required(name).get(), field: name, mapping: mapping) }
            if let name = mapping.score {
                let value = try required(name).get()
                guard let number = value.number, number.isFinite else {
                    throw RowProblem(field: name, reason: "field '\(name)' must be a finite number (found \(value.summary))")
                }
                parsed.score = number
            }
            if let name = mapping.split, let value = fields[name], value != .null {
                guard let split = value.text?.trimmingCharacters(in: .whitespaces), !split.isEmpty else {
                    throw RowProblem(field: name, reason: "field '\(name)' must be a non-empty split name (found \(value.summary))")
                }
                parsed.split = split
            }
            for name in mapping.features {
                let (shape, values) = try feature(try required(name).get(), field: name)
                parsed.features.append((name, shape, values))
            }
            if let name = mapping.image {
                parsed.image = try fileName(try required(name).get(), field: name, pattern: mapping.imagePattern)
            }
            for name in mapping.extraImages {
                let value = try required(name).get()
                let items: [JSONValue]
                if case .array(let list) = value { items = list } else { items = [value] }
                parsed.extraImages.append((name, try items.map { try fileName($0, field: name, pattern: mapping.imagePattern) }))
            }
            let mapped = mapping.mappedNames
            parsed.extra = fields.filter { !mapped.contains($0.key) }
            if let name = mapping.id, let key = fields[name]?.text, !key.isEmpty {
                try rejectNUL(key, field: name)
                parsed.sourceKey = key
            } else {
                parsed.sourceKey = "sha256:" + SHA256.hexDigest(JSONValue.object(fields).canonical)
            }
            if let text = parsed.text, let name = mapping.text { try rejectNUL(text, field: name) }
            if let name = mapping.split { try rejectNUL(parsed.split, field: name) }
            if let image = parsed.image, let name = mapping.image { try rejectNUL(image, field: name) }
            for (name, files) in parsed.extraImages { for file in files { try rejectNUL(file, field: name) } }
            parsed.fingerprint = JSONValue.object(fields).canonical
            return .success(parsed)
        } catch let problem as RowProblem {
            return .failure(problem)
        } catch {
            return .failure(RowProblem(field: nil, reason: "\(error)"))
        }
    }

    /// SQLite text ends at a NUL character, so a value holding one would be stored cut short (while its tokens
    /// came from the whole string): such a row is quarantined instead. Unmapped fields keep NULs, escaped, in
    /// `extra_json`.
    private static func rejectNUL(_ value: String, field: String) throws {
        guard let index = value.unicodeScalars.firstIndex(of: "\u{0}") else { return }
        let position = value.unicodeScalars.distance(from: value.unicodeScalars.startIndex, to: index) + 1
        throw RowProblem(field: field, reason: "field '\(field)' contains a NUL character (U+0000) at character "
                            + "\(position), which SQLite text cannot hold; remove it from the manifest")
    }

    /// The largest class index a label may have: trainers size their heads by the largest label seen.
    static let maxClassIndex = 65_535

    private static func label(_ value: JSONValue, field: String, mapping: FieldMapping) throws -> Int {
        let limit = maxClassIndex
        switch value {
        case .bool(let flag): return flag ? 1 : 0
        case .int(let v) where v >= 0 && v <= Int64(limit): return Int(v)
        case .double(let v) where v >= 0 && v == v.rounded() && v <= Double(limit): return Int(v)
        case .string(let s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if let names = mapping.labelNames, let index = names.firstIndex(of: trimmed) { return index }
            if let v = Int(trimmed), v >= 0, v <= limit { return v }
            if let v = Double(trimmed), v >= 0, v == v.rounded(), v <= Double(limit) { return Int(v) }
        default: break
        }
        let expected = mapping.labelNames.map { "one of \($0.joined(separator: ", ")) or a class index" }
            ?? "a class index from 0 to \(limit)"
        throw RowProblem(field: field, reason: "field '\(field)' must be \(expected) (found \(value.summary))")
    }

    /// A rectangular array of numbers: `[[…], …]` → [frames, dims], `[…]` → [n]. CSV cells may hold the JSON text.
    private static func feature(_ value: JSONValue, field: String) throws -> ([Int], [Float]) {
        var value = value
        if case .string(let text) = value, let parsed = try? JSONValue.parse(Data(text.utf8)) { value = parsed }
        let bad = RowProblem(field: field, reason: "field '\(field)' must be a non-empty rectangular array of finite "
                                + "numbers (found \(value.summary))")
        guard case .array(let outer) = value, !outer.isEmpty else { throw bad }
        if case .array = outer[0] {
            var values: [Float] = []
            var width: Int?
            for item in outer {
                guard case .array(let inner) = item, !inner.isEmpty, width == nil || width == inner.count else { throw bad }
                width = inner.count
                for x in inner {
                    guard let n = x.number, n.isFinite, !x.isString else { throw bad }
                    values.append(Float(n))
                }
            }
            return ([outer.count, width ?? 0], values)
        }
        let values = try outer.map { x -> Float in
            guard let n = x.number, n.isFinite, !x.isString else { throw bad }
            return Float(n)
        }
        return ([values.count], values)
    }

    private static func fileName(_ value: JSONValue, field: String, pattern: String) throws -> String {
        guard let text = value.text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RowProblem(field: field, reason: "field '\(field)' must be an image path (found \(value.summary))")
        }
        return pattern.replacingOccurrences(of: "{}", with: text)
    }
}
