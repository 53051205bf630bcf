/// How a key read from a spec file may appear in an error message.
///
/// A key that reads like a setting name is quoted back so a typo is easy to find; anything else (a line of
/// `/etc/shadow` named by `base:` parses as one long key) is never echoed, so errors cannot print file contents.
enum SpecKey {
    /// Longest key echoed back.
    static let maxShownLength = 64

    /// `key` when it is letters, digits, `_`, `-` and `.` only, at most `maxShownLength` characters; else nil.
    static func printable(_ key: String) -> String? {
        guard !key.isEmpty, key.count <= maxShownLength,
              key.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                                                             || "_-.".unicodeScalars.contains($0)) })
        else { return nil }
        return key
    }

    /// The dotted path `prefix.key` for an error, or `prefix` alone when `key` is not printable.
    static func path(_ prefix: String?, _ key: String) -> String? {
        guard let shown = printable(key) else { return prefix }
        return prefix.map { "\($0).\(shown)" } ?? shown
    }

    /// `message` about `key` when the key is printable; otherwise a message that does not repeat the line.
    static func message(for key: String, _ message: String) -> String {
        printable(key) == nil ? unshownMessage : message
    }

    /// What to say about a key that is not a setting when it cannot be shown.
    static let unshownMessage = "this line is not a key a PEFTLab spec can have (its text is not repeated here); "
        + "is the file an experiment spec?"
}
