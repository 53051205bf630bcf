import Foundation

/// What `--db` / `PEFTLAB_DB` names when it is a PostgreSQL URL: `postgres://user[:password]@host[:port]/database`.
enum PostgresLocator {
    /// True for `postgres://…` and `postgresql://…`; anything else is an SQLite file path.
    static func matches(_ locator: String) -> Bool {
        locator.hasPrefix("postgres://") || locator.hasPrefix("postgresql://")
    }

    /// The URL without its password, for messages and `Store.path`'s printed form.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "…"
        return parts.string ?? url
    }

    /// The database the URL names (its path without the slash).
    static func database(_ url: String) -> String? {
        guard let parts = URLComponents(string: url) else { return nil }
        let name = String(parts.path.drop(while: { $0 == "/" }))
        return name.isEmpty ? nil : name.removingPercentEncoding ?? name
    }

    /// The same server, user and options with another database.
    static func replacingDatabase(of url: String, with database: String) -> String? {
        guard var parts = URLComponents(string: url) else { return nil }
        parts.path = "/" + database
        return parts.string
    }
}
