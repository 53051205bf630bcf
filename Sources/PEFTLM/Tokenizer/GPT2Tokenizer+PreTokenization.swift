import PEFTCLIP

extension GPT2Tokenizer {
    /// GPT-2's pre-tokeniser (`tokenizers`' ByteLevel with `add_prefix_space=False`): the matches of
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, tried in that order at each
    /// position. Nothing is dropped: the pieces concatenate back to the input. Character classes are the ones
    /// CLIP's tokenizer measured against `tokenizers`' regex engine (Unicode 16 letters and numbers).
    static func preTokenize(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        let n = scalars.count
        var i = 0
        while i < n {
            let end = matchEnd(scalars, at: i)
            pieces.append(Array(scalars[i ..< end]))
            i = end
        }
        return pieces
    }

    /// End of the regex match starting at `i` (always past `i`).
    private static func matchEnd(_ s: [Unicode.Scalar], at i: Int) -> Int {
        let n = s.count
        if s[i] == "'", let length = contractionLength(s, at: i) { return i + length }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional plain space, then a run of one class.
        let start = s[i] == " " && i + 1 < n && !isSpace(s[i + 1]) ? i + 1 : i
        if !isSpace(s[start]) {
            let kind = classOf(s[start])
            var j = start + 1
            while j < n && !isSpace(s[j]) && classOf(s[j]) == kind { j += 1 }
            return j
        }
        // `\s+(?!\S)`: a white-space run, leaving its last character to the word that follows it; else `\s+`.
        var j = i + 1
        while j < n && isSpace(s[j]) { j += 1 }
        if j < n && j - 1 > i { return j - 1 }
        return j
    }

    private enum CharacterClass { case letter, number, other }

    private static func classOf(_ scalar: Unicode.Scalar) -> CharacterClass {
        CLIPTokenizer.isLetter(scalar) ? .letter : CLIPTokenizer.isNumber(scalar) ? .number : .other
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    private static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
        .map { Array($0.unicodeScalars) }

    private static func contractionLength(_ scalars: [Unicode.Scalar], at i: Int) -> Int? {
        contractions.first { hasPrefix(scalars, $0, at: i) }?.count
    }
}
