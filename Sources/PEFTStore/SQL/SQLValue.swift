import Foundation

/// One SQL value as both backends store it: SQLite's storage classes, PostgreSQL's bigint, double precision, text
/// and bytea. Booleans are stored as integers 0/1 on both.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    /// True for SQL NULL.
    public var isNull: Bool { self == .null }
}

/// A Swift type that binds to, and decodes from, one `SQLValue`.
public protocol SQLValueConvertible: Sendable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// The Swift value of a stored value, or nil when it does not hold one of this type.
    static func decode(_ value: SQLValue) -> Self?
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public static func decode(_ value: SQLValue) -> SQLValue? { value }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let v): return v
        case .real(let v): return v.rounded() == v && abs(v) < 9.2e18 ? Int64(v) : nil
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map(Int.init) }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLValue) -> Int32? { Int64.decode(value).flatMap(Int32.init(exactly:)) }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
}

extension Bool: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func decode(_ value: SQLValue) -> Bool? { Int64.decode(value).map { $0 != 0 } }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public static func decode(_ value: SQLValue) -> String? {
        if case .text(let s) = value { return s }
        return nil
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob(self) }
    public static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let d): return d
        case .text(let s): return Data(s.utf8)
        default: return nil
        }
    }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if value.isNull { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// The values bound to a statement's `?` placeholders, in order: `[runID, step, nil]`.
public struct SQLArguments: Sendable, Equatable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    /// `?, ?, …` for an `IN (…)` list of `count` values.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }
}
