import Foundation

/// A parsed JSON object with typed, path-aware field access, so a bad field reads as
/// `config.json: field 'vision_config.patch_size' must be a positive integer (found "32px")`.
package struct JSONObject {
    /// File the object came from (for error messages).
    package let path: String
    /// Dotted prefix of this object inside the file (`""` at the root, `"vision_config."` below).
    package let prefix: String
    /// The raw values.
    package let values: [String: Any]

    /// Reads and parses `url` as a JSON object.
    ///
    /// - Throws: `CheckpointError.missingFile`, `.io` or `.badConfig` when the file is not a JSON object.
    package static func read(_ url: URL) throws -> JSONObject {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError.missingFile(path: url.path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError.io(path: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let values = object as? [String: Any] else {
            throw CheckpointError.badConfig(path: url.path, field: "(root)", expected: "a JSON object",
                                            found: "\(data.count) bytes that do not parse as one")
        }
        return JSONObject(path: url.path, prefix: "", values: values)
    }

    /// The nested object at `key`, or an empty one when absent or null.
    package func object(_ key: String) throws -> JSONObject {
        switch values[key] {
        case nil, is NSNull:
            return JSONObject(path: path, prefix: prefix + key + ".", values: [:])
        case let nested as [String: Any]:
            return JSONObject(path: path, prefix: prefix + key + ".", values: nested)
        case let other?:
            throw error(key, expected: "an object", found: other)
        }
    }

    /// Whether `key` is present and not null.
    package func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    /// An integer field (`default` when absent or null); `minimum` bounds it.
    package func int(_ key: String, default fallback: Int, minimum: Int = Int.min) throws -> Int {
        guard has(key) else { return fallback }
        guard let value = Self.integer(values[key]), value >= minimum else {
            let expected = minimum == 1 ? "a positive integer" : minimum == 0 ? "a non-negative integer" : "an integer"
            throw error(key, expected: expected, found: values[key] as Any)
        }
        return value
    }

    /// A floating-point field (`default` when absent or null).
    package func double(_ key: String, default fallback: Double) throws -> Double {
        guard has(key) else { return fallback }
        guard let value = Self.number(values[key]) else { throw error(key, expected: "a number", found: values[key] as Any) }
        return value
    }

    /// A string field (`default` when absent or null).
    package func string(_ key: String, default fallback: String) throws -> String {
        guard has(key) else { return fallback }
        guard let value = values[key] as? String else {
            throw error(key, expected: "a string", found: values[key] as Any)
        }
        return value
    }

    /// A boolean field (`default` when absent or null).
    package func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard has(key) else { return fallback }
        guard let value = values[key] as? Bool else { throw error(key, expected: "true or false", found: values[key] as Any) }
        return value
    }

    /// An array of numbers (`default` when absent or null).
    package func doubles(_ key: String, default fallback: [Double]) throws -> [Double] {
        guard has(key) else { return fallback }
        guard let array = values[key] as? [Any] else {
            throw error(key, expected: "an array of numbers", found: values[key] as Any)
        }
        return try array.map { item in
            guard let value = Self.number(item) else { throw error(key, expected: "an array of numbers", found: array) }
            return value
        }
    }

    /// The error for field `key`: names the dotted field, what was expected and the value found.
    package func error(_ key: String, expected: String, found: Any) -> CheckpointError {
        .badConfig(path: path, field: prefix + key, expected: expected, found: Self.render(found))
    }

    /// A JSON number as the nearest `Double`. JSONSerialization hands back `NSDecimalNumber` for many decimals and
    /// its `doubleValue` can be one ulp off (1/255 written by Python reads back wrong), so parse its decimal text.
    package static func number(_ value: Any?) -> Double? {
        if value is String { return nil }
        if let number = value as? NSNumber {
            return Double(number.stringValue) ?? number.doubleValue
        }
        return value as? Double
    }

    /// An integral JSON number as `Int` (JSONSerialization may hand back Int, Double or NSNumber).
    package static func integer(_ value: Any?) -> Int? {
        if value is String { return nil }
        if let int = value as? Int { return int }
        if let double = value as? Double, double.rounded() == double, abs(double) < 1e15 { return Int(double) }
        return nil
    }

    /// Short rendering of a JSON value for error messages.
    package static func render(_ value: Any) -> String {
        if let string = value as? String { return "\"\(string)\"" }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            return text.count > 60 ? String(text.prefix(57)) + "..." : text
        }
        return "\(value)"
    }
}
