import XCTest
@testable import PEFTStore

final class QueryTests: XCTestCase {
    func testReadOnlyQueryReturnsTypedRows() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.path("q.db"))
        let result = try store.query("SELECT 1 AS one, 2.5 AS half, 'x' AS s, NULL AS n, x'0102' AS b")
        XCTAssertEqual(result.columns, ["one", "half", "s", "n", "b"])
        XCTAssertEqual(result.rows, [[.integer(1), .real(2.5), .text("x"), .null, .blob(2)]])
    }

    func testWritesAreRefusedWithoutPermissionAndNothingChanges() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.path("q.db"))
        for sql in ["INSERT INTO datasets (name, created_at) VALUES ('d', 0)",
                    "SELECT 1; DELETE FROM datasets",
                    "DROP TABLE runs",
                    "CREATE TABLE t (x)"] {
            XCTAssertThrowsError(try store.query(sql), sql) { error in
                guard case .writeRefused = error as? StoreError else { return XCTFail("\(sql): \(error)") }
            }
        }
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM datasets").rows, [[.integer(0)]])
        XCTAssertTrue(try store.query("SELECT name FROM sqlite_master WHERE name = 'runs'").rows.count == 1)

        _ = try store.query("INSERT INTO datasets (name, created_at) VALUES ('d', 0)", allowWrite: true)
        XCTAssertEqual(try store.query("SELECT name FROM datasets").rows, [[.text("d")]])
    }

    func testBadSQLNamesTheProblemInOneLine() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.path("q.db"))
        XCTAssertThrowsError(try store.query("SELEC name FROM runs")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("syntax error"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertThrowsError(try store.query("SELECT nope FROM runs")) { error in
            XCTAssertTrue("\(error)".contains("no such column: nope"), "\(error)")
        }
    }
}
