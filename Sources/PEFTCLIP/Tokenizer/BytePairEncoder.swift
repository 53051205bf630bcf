import Foundation

/// Applies byte-level BPE merges (CLIP's or GPT-2's) to one pre-token, over token ids, with a thread-safe cache.
///
/// A word starts as its UTF-8 bytes' symbols, the last one carrying the end-of-word suffix when the vocabulary has
/// one (CLIP's `</w>`; GPT-2 has none). Repeatedly the adjacent pair with the
/// lowest merge rank is merged, every occurrence left to right, until no adjacent pair has a rank: the algorithm of
/// OpenAI's `SimpleTokenizer.bpe` and (for a merge list learned in order, as CLIP's is) of `tokenizers`' BPE model.
package final class BytePairEncoder: @unchecked Sendable {
    /// A merge: its rank (priority, lower first) and the id of the merged token.
    struct Merge {
        var rank: Int32
        var result: Int32
    }

    private let merges: [UInt64: Merge]
    private let byteIds: [Int32]
    private let byteEndIds: [Int32]
    private var cache: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()
    private let cacheLimit = 100_000

    /// Builds the merge table for `vocabulary` (token → id) and `mergeList` (pairs in rank order); `endOfWord` is
    /// the suffix of a word's last symbol (`</w>` for CLIP, nil for GPT-2).
    ///
    /// - Throws: `CheckpointError.badTokenizerFile` when a byte symbol or a merge's parts/result are not in the
    ///   vocabulary (the message names the merge's line in `mergesPath`, counting the `#version` header as line 1).
    package init(vocabulary: [String: Int], mergeList: [(String, String)], endOfWord: String? = CLIPVocabulary.endOfWord,
                 vocabularyPath: String, mergesPath: String) throws {
        var byteIds = [Int32](repeating: 0, count: 256)
        var byteEndIds = [Int32](repeating: 0, count: 256)
        for byte in 0 ..< 256 {
            let symbol = String(ByteLevel.byteToScalar[byte])
            guard let id = vocabulary[symbol], let endId = vocabulary[symbol + (endOfWord ?? "")] else {
                throw CheckpointError.badTokenizerFile(
                    path: vocabularyPath, line: 0,
                    reason: "byte symbol \(CLIPVocabulary.jsonString(symbol)) (byte \(byte))"
                        + (endOfWord.map { " or its \($0) form" } ?? "") + " is missing")
            }
            byteIds[byte] = Int32(id)
            byteEndIds[byte] = Int32(endId)
        }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeList.count)
        for (rank, (left, right)) in mergeList.enumerated() {
            guard let leftId = vocabulary[left], let rightId = vocabulary[right],
                  let resultId = vocabulary[left + right]
            else {
                throw CheckpointError.badTokenizerFile(
                    path: mergesPath, line: rank + 2,
                    reason: "merge '\(left) \(right)' uses a token that is not in the vocabulary")
            }
            let key = Self.key(Int32(leftId), Int32(rightId))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), result: Int32(resultId)) }
        }
        self.merges = merges
        self.byteIds = byteIds
        self.byteEndIds = byteEndIds
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Token ids of one pre-token given as UTF-8 bytes (non-empty).
    package func encode(_ word: [UInt8]) -> [Int32] {
        lock.lock()
        let cached = cache[word]
        lock.unlock()
        if let cached { return cached }
        let result = merge(word)
        lock.lock()
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[word] = result
        lock.unlock()
        return result
    }

    private func merge(_ word: [UInt8]) -> [Int32] {
        var symbols = word.map { byteIds[Int($0)] }
        symbols[symbols.count - 1] = byteEndIds[Int(word[word.count - 1])]
        while symbols.count > 1 {
            var best: Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for i in 0 ..< symbols.count - 1 {
                if let merge = merges[Self.key(symbols[i], symbols[i + 1])], merge.rank < (best?.rank ?? .max) {
                    best = merge
                    bestLeft = symbols[i]
                    bestRight = symbols[i + 1]
                }
            }
            guard let chosen = best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i < symbols.count - 1 && symbols[i] == bestLeft && symbols[i + 1] == bestRight {
                    merged.append(chosen.result)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
