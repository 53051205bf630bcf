import Foundation

extension CLIPTokenizer {
    /// A piece of raw text: either a special token written literally, or ordinary text to normalise and split.
    enum Segment: Equatable {
        case special(Int)
        case text(String)
    }

    /// Splits raw text on the literal special tokens, before any normalisation, as `tokenizers`' added-vocabulary
    /// pass does (so `"a<|endoftext|>b"` holds a real end-of-text id, while `"<|ENDOFTEXT|>"` is plain text).
    /// Matching is on Unicode scalars, not Characters: a combining mark after `>` must not hide the token.
    func segments(_ text: String) -> [Segment] {
        let scalars = Array(text.unicodeScalars)
        var result: [Segment] = []
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "<",
                  let (literal, id) = specialScalars.first(where: { Self.hasPrefix(scalars, $0.0, at: i) })
            else {
                i += 1
                continue
            }
            if i > segmentStart { result.append(.text(Self.string(scalars[segmentStart ..< i]))) }
            result.append(.special(id))
            i += literal.count
            segmentStart = i
        }
        if segmentStart < scalars.count { result.append(.text(Self.string(scalars[segmentStart...]))) }
        return result
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// CLIPTokenizerFast's normaliser: Unicode NFC, every run of white space (the Unicode `White_Space` property,
    /// as Oniguruma's `\s`) replaced by one space, then per-character lower-casing (no final-sigma rule, as Rust's
    /// `char::to_lowercase`).
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        let composed = text.precomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(composed.unicodeScalars.count)
        var inSpace = false
        for scalar in composed.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            if scalar.isASCII {
                out.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else if let age = scalar.properties.age, age.major <= lowercaseUnicodeMajor {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return out
    }

    /// CLIP's pre-tokeniser on normalised text: the matches of
    /// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (white space
    /// between them dropped), each then split again by the byte-level pre-tokeniser's GPT-2 pattern (which only
    /// changes the special-token literals: `<|`, `endoftext`, `|>`).
    static func preTokenize(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        var i = 0
        let n = scalars.count
        while i < n {
            let scalar = scalars[i]
            if let length = literalLength(scalars, at: i) ?? contractionLength(scalars, at: i) {
                pieces.append(contentsOf: gpt2Split(Array(scalars[i ..< i + length])))
                i += length
            } else if isLetter(scalar) {
                var j = i + 1
                while j < n && isLetter(scalars[j]) { j += 1 }
                pieces.append(Array(scalars[i ..< j]))
                i = j
            } else if isNumber(scalar) {
                pieces.append([scalar])
                i += 1
            } else if scalar.properties.isWhitespace {
                i += 1
            } else {
                var j = i + 1
                while j < n && isOther(scalars[j]) { j += 1 }
                pieces.append(contentsOf: gpt2Split(Array(scalars[i ..< j])))
                i = j
            }
        }
        return pieces
    }

    /// GPT-2's split within one white-space-free piece: contractions, letter runs, number runs, other runs.
    static func gpt2Split(_ piece: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = []
        var i = 0
        while i < piece.count {
            var j: Int
            if let length = contractionLength(piece, at: i) {
                j = i + length
            } else if isLetter(piece[i]) {
                j = i + 1
                while j < piece.count && isLetter(piece[j]) { j += 1 }
            } else if isNumber(piece[i]) {
                j = i + 1
                while j < piece.count && isNumber(piece[j]) { j += 1 }
            } else {
                j = i + 1
                while j < piece.count && isOther(piece[j]) { j += 1 }
            }
            parts.append(Array(piece[i ..< j]))
            i = j
        }
        return parts
    }

    private static let literals: [[Unicode.Scalar]] = [
        Array(CLIPVocabulary.startOfText.unicodeScalars), Array(CLIPVocabulary.endOfText.unicodeScalars),
    ]
    private static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
        .map { Array($0.unicodeScalars) }

    private static func literalLength(_ scalars: [Unicode.Scalar], at i: Int) -> Int? {
        guard scalars[i] == "<" else { return nil }
        return literals.first { hasPrefix(scalars, $0, at: i) }?.count
    }

    private static func contractionLength(_ scalars: [Unicode.Scalar], at i: Int) -> Int? {
        guard scalars[i] == "'" else { return nil }
        return contractions.first { hasPrefix(scalars, $0, at: i) }?.count
    }

    static func hasPrefix(_ scalars: [Unicode.Scalar], _ prefix: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + prefix.count <= scalars.count else { return false }
        for k in 0 ..< prefix.count where scalars[i + k] != prefix[k] { return false }
        return true
    }

    /// Newest Unicode version (major) whose character classes `tokenizers`' Oniguruma knows: characters assigned
    /// later are unassigned (`Cn`) to it, hence neither letters nor numbers. Measured over every code point against
    /// tokenizers 0.23 (`classes` in the tokenizer fixture): Unicode 16 agrees exactly, Unicode 17 letters do not.
    static let regexUnicodeMajor = 16
    /// Newest Unicode version (major) of Rust's `char::to_lowercase` in `tokenizers`' Lowercase normaliser
    /// (tokenizers 0.23 already lower-cases Unicode 17 letters such as U+16EA5).
    static let lowercaseUnicodeMajor = 17

    /// Whether the regex engine of `tokenizers` knows `scalar` (see `regexUnicodeMajor`).
    @inline(__always)
    private static func knownToRegex(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= regexUnicodeMajor
    }

    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    package static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A }
        guard knownToRegex(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: Nd, Nl, No.
    package static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x30 && scalar.value <= 0x39 }
        guard knownToRegex(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `[^\s\p{L}\p{N}]`.
    package static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.properties.isWhitespace && !isLetter(scalar) && !isNumber(scalar)
    }
}
