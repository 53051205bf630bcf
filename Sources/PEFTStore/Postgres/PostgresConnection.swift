import CPQ
import Foundation

/// One libpq connection to a PostgreSQL server. Not thread-safe: `PostgresBackend` lends it to one thread at a time.
///
/// Statements are sent with `PQexecParams`: PEFTLab's `?` placeholders become `$1, $2, …`, integers and reals go as
/// binary int8 / float8 (exact), text as text, blobs as binary bytea. Results come back as text and are decoded by
/// column type into `SQLValue`s (float8 text is the shortest exact form, so reals round-trip bit for bit).
final class PostgresConnection {
    /// The libpq handle; only this type touches it.
    private let handle: OpaquePointer
    /// The server, for messages (password removed).
    let server: String
    /// `?`-SQL → `$n`-SQL, per statement text.
    private var translated: [String: String] = [:]

    /// Connects to `url` (a libpq URI, `postgres://user@host:port/db`).
    /// - Throws: `PostgresFailure` with libpq's message and SQLSTATE (3D000 when the database does not exist).
    init(url: String) throws {
        server = PostgresLocator.redacted(url)
        guard let handle = PQconnectdb(url) else {
            throw PostgresFailure(sqlState: "08000", message: "libpq could not allocate a connection", sql: "")
        }
        self.handle = handle  // from here on, deinit closes it, also when init throws
        if PQstatus(handle) != CONNECTION_OK {
            let message = Self.trimmed(PQerrorMessage(handle))
            let missing = message.contains("does not exist") && message.contains("database")
            throw PostgresFailure(sqlState: missing ? "3D000" : "08001", message: message, sql: "")
        }
        _ = PQsetClientEncoding(handle, "UTF8")
        // Server notices ("no transaction in progress" after a ROLLBACK on a dying connection …) are not errors, and
        // libpq would print them on stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // The process shows in pg_stat_activity as "peftlab <pid>", so an operator (or a fault test) can find it.
        _ = try? execute("SET client_min_messages = warning; SET application_name = 'peftlab \(getpid())'", [])
    }

    deinit { PQfinish(handle) }

    /// False once the connection to the server is gone (it is then dropped, not reused).
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement. With no arguments the text may hold several statements (schema files).
    /// - Returns: the result's rows, and the rows the statement changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> (rows: [SQLRow], changes: Int) {
        let result: OpaquePointer?
        if arguments.isEmpty && !sql.contains("?") {
            result = PQexec(handle, sql)
        } else {
            result = try withParameters(arguments) { types, values, lengths, formats in
                PQexecParams(handle, placeholders(sql), Int32(arguments.count), types, values, lengths, formats, 0)
            }
        }
        guard let result else {
            throw PostgresFailure(sqlState: "08006", message: Self.trimmed(PQerrorMessage(handle)), sql: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            let changes = Int(String(cString: PQcmdTuples(result))) ?? 0
            return (try Self.rows(of: result), changes)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.trimmed(PQresultErrorMessage(result))
            throw PostgresFailure(sqlState: state ?? (isHealthy ? "XX000" : "08006"), message: message, sql: sql)
        }
    }

    /// `sql` with each `?` outside quotes and comments replaced by `$1`, `$2`, … (cached per text).
    private func placeholders(_ sql: String) -> String {
        if let done = translated[sql] { return done }
        let done = PostgresPlaceholders.numbered(sql)
        translated[sql] = done
        return done
    }

    /// Lays out the arguments as libpq wants them (type OIDs, value pointers, lengths, formats) for `body`.
    private func withParameters<T>(_ arguments: [SQLValue],
                                   _ body: ([Oid], [UnsafePointer<CChar>?], [Int32], [Int32]) throws -> T) throws -> T {
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var buffers: [UnsafeMutableRawPointer?] = []
        defer { for buffer in buffers { buffer?.deallocate() } }
        func keep(_ bytes: UnsafeRawBufferPointer) {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
            if let base = bytes.baseAddress, bytes.count > 0 { buffer.copyMemory(from: base, byteCount: bytes.count) }
            buffers.append(buffer)
            lengths.append(Int32(bytes.count))
        }
        for argument in arguments {
            switch argument {
            case .null:
                types.append(0); formats.append(0); lengths.append(0); buffers.append(nil)
            case .integer(let v):
                types.append(20); formats.append(1)
                withUnsafeBytes(of: v.bigEndian) { keep($0) }
            case .real(let v):
                types.append(701); formats.append(1)
                withUnsafeBytes(of: v.bitPattern.bigEndian) { keep($0) }
            case .text(let s):
                types.append(25); formats.append(0)
                var bytes = Array(s.utf8)
                bytes.append(0)
                bytes.withUnsafeBytes { keep($0) }
            case .blob(let d):
                guard d.count < Int(Int32.max) else {
                    throw PostgresFailure(sqlState: "54000", message: "a \(d.count)-byte value is too large to send", sql: "")
                }
                types.append(17); formats.append(1)
                d.withUnsafeBytes { keep($0) }
            }
        }
        let values = buffers.map { $0.map { UnsafePointer<CChar>($0.assumingMemoryBound(to: CChar.self)) } }
        return try body(types, values, lengths, formats)
    }

    /// The rows of a result, each value decoded by its column's type OID.
    private static func rows(of result: OpaquePointer) throws -> [SQLRow] {
        let rowCount = Int(PQntuples(result)), columnCount = Int(PQnfields(result))
        guard columnCount > 0 else { return [] }
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<columnCount).map { PQftype(result, Int32($0)) }
        var rows: [SQLRow] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) != 0 {
                    values.append(.null)
                    continue
                }
                let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                let pointer = PQgetvalue(result, Int32(r), Int32(c))!
                values.append(try PostgresValues.decode(pointer, length: length, type: types[c], column: columns[c]))
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
    }
}

/// An error the server (or libpq) reported: its SQLSTATE, message and the statement.
struct PostgresFailure: Error {
    let sqlState: String
    let message: String
    let sql: String

    /// A serialisation failure or deadlock: the transaction may simply be run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// The connection is gone (class 08) or the server is shutting down (57P01–57P03).
    var isConnectionLoss: Bool { sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState) }
}
