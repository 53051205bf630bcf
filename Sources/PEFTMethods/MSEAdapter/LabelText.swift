import Foundation

/// How MSE-Adapter writes a target as the text the frozen LM learns to generate, and reads it back (official code:
/// a score with one decimal, `-1.4`; a class index digit, `3`; anything unparseable counts as 0.0).
public enum LabelText {
    /// `" -1.4"` for a score (one decimal, −0.0 written as 0.0), `" 3"` for a class; the leading space makes the label
    /// its own GPT-2 word after the prompt.
    public static func format(score: Double) -> String {
        let rounded = (score * 10).rounded() / 10
        return " " + String(format: "%.1f", rounded == 0 ? 0 : rounded)
    }

    public static func format(label: Int) -> String { " \(label)" }

    /// The score in generated text (the first number, as Python's `float` of the stripped text would read it in
    /// the official parser), or nil when there is none.
    public static func parseScore(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// The class index in generated text, or nil when it is not an integer in `0 ..< classes`.
    public static func parseLabel(_ text: String, classes: Int) -> Int? {
        guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), (0 ..< classes).contains(value) else {
            return nil
        }
        return value
    }
}
