import Foundation
import GRDB

/// The database schema: the embedded copy of schema.sql, its version, and how older databases are upgraded.
///
/// A new database gets `Schema.sql` verbatim and `PRAGMA user_version = Schema.version`. An older database
/// runs every migration above its version, then gets the same file again (every statement in it is
/// `IF NOT EXISTS`, so this only adds what is missing), with views dropped first so changed definitions apply.
public enum Schema {
    /// The version written in schema.sql's `-- schema-version: N` line.
    public static let version: Int = {
        for line in sql.split(separator: "\n") where line.hasPrefix("-- schema-version:") {
            if let n = Int(line.dropFirst("-- schema-version:".count).trimmingCharacters(in: .whitespaces)) {
                return n
            }
        }
        preconditionFailure("schema.sql has no '-- schema-version: N' line")
    }()

    /// Brings `db` to the current schema inside the caller's transaction.
    /// - Throws: `StoreError.newerSchema` for a database written by a newer PEFTLab; SQL errors otherwise.
    static func apply(_ db: Database, path: String) throws {
        let found = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if found == version { return }
        if found > version { throw StoreError.newerSchema(path: path, found: found, supported: version) }
        if found > 0 {
            for migration in Migration.all where migration.version > found {
                try db.execute(sql: migration.sql)
            }
            let views = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'view'")
            for view in views { try db.execute(sql: "DROP VIEW \(view.quotedDatabaseIdentifier)") }
        }
        try db.execute(sql: sql)
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }
}

/// One upgrade step: the statements that `CREATE … IF NOT EXISTS` in schema.sql cannot express
/// (new columns, data rewrites). Shipped migrations are never edited; add a new one instead.
struct Migration {
    /// The schema version this step upgrades *to*.
    let version: Int
    /// SQL run in the upgrade transaction before schema.sql is re-applied.
    let sql: String

    /// Every migration, in order.
    static let all: [Migration] = [
        // v2: runs record their planned length (for ETAs); the `events` table and its index are new tables,
        // created by re-applying schema.sql.
        Migration(version: 2, sql: "ALTER TABLE runs ADD COLUMN total_steps INTEGER;"),
        // v3: runs record their parameter counts (method, head, trainable, total) when training starts; lease
        // expiries are counted apart from the run's own errors, with the step each worker had reached.
        Migration(version: 3, sql: """
            ALTER TABLE runs ADD COLUMN method_params INTEGER;
            ALTER TABLE runs ADD COLUMN head_params INTEGER;
            ALTER TABLE runs ADD COLUMN trainable_params INTEGER;
            ALTER TABLE runs ADD COLUMN total_params INTEGER;
            ALTER TABLE runs ADD COLUMN expiries INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN max_expiries INTEGER NOT NULL DEFAULT 50;
            ALTER TABLE runs ADD COLUMN max_same_step INTEGER NOT NULL DEFAULT 2;
            ALTER TABLE runs ADD COLUMN expiry_step INTEGER;
            ALTER TABLE runs ADD COLUMN same_step_expiries INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE leases ADD COLUMN step INTEGER;
            """),
        // v4: the `predictions` table and the report views (run_selection, selected_metrics, run_timing,
        // leaderboard_by_selection; leaderboard now reads the best-validation step) only: re-applying schema.sql
        // creates them, so this step has nothing to run.
        Migration(version: 4, sql: ""),
    ]
}
