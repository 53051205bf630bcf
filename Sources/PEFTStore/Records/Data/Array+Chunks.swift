import Foundation

extension Array {
    /// The array in consecutive slices of at most `size` elements: `IN (?, …)` lists stay below SQLite's
    /// bound-parameter limit (32 766) and PostgreSQL's (65 535) whatever the caller's batch size.
    func inChunks(of size: Int = 500) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
