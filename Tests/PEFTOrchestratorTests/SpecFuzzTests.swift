import Foundation
import XCTest
@testable import PEFTOrchestrator

/// Thousands of mutated experiment specs through the spec parser and validator: none may crash or hang; each is
/// either a valid spec (whose run count is bounded before expansion) or refused with located errors.
///
/// `PEFTLAB_FUZZ_SCALE=N` multiplies the number of trials (default 4 000 specs, a few seconds).
final class SpecFuzzTests: XCTestCase {
    /// xorshift64*: a fixed, dependency-free stream so every run mutates the same way.
    fileprivate struct Stream: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    private static let seeds = [
        """
        name: probe-grid
        dataset: synth
        task: classification
        method:
          name: linear-probe
          feature: audio
        train:
          epochs: 2
          lr: 1e-2
        grid:
          train.lr: [1e-2, 1e-3]
          train.batch_size: [8, 16, 32]
        seeds: [1, 2]
        include:
          - {train.lr: 0.1, train.batch_size: 4}
        exclude:
          - {train.lr: 1e-3, train.batch_size: 32}
        """,
        "name: r\ndataset: d\ntask: regression\nmethod: {name: linear-probe, feature: audio}\n"
            + "train: &t {epochs: 3, schedule: cosine}\ndescription: {copy: *t, list: [*t, *t]}\ntarget_metric: mae\n",
        "name: c\ndataset: d\ntask: classification\nmethod: linear-probe\ngrid: {train.epochs: [1, 2, 3], dataset: [a, b]}\n",
    ]

    private static let tokens = ["&a ", "*a", "*t", "[", "]", "{", "}", ": ", "- ", "\"", "'", "\n", "\n  ", "\t", "? ",
                                 "!!str ", "!!binary ", "!!python/object ", "%YAML 1.1\n", "---\n", "...\n", "<<: *t\n",
                                 "|\n", ">-\n", "#", "@", "`", "1e309", "-.inf", ".nan", "0x10", "~", "null", "true",
                                 "2001-12-14", "\u{FEFF}", "\u{0}", "\u{1}", "é", "🙂", "\\", ",", "base: x.yaml\n",
                                 "grid: {train.lr: [", "seeds: [", String(repeating: "[", count: 80)]

    func testMutatedSpecsNeverCrashOrHangAndFailWithLocatedErrors() throws {
        let scale = Int(ProcessInfo.processInfo.environment["PEFTLAB_FUZZ_SCALE"] ?? "") ?? 1
        var stream = Stream(state: 0x9E37_79B9_7F4A_7C15)
        var valid = 0, refused = 0, slowest = 0.0
        for trial in 0..<(4000 * scale) {
            var text = Array(Self.seeds[trial % Self.seeds.count])
            for _ in 0...stream.below(3) {
                switch stream.below(6) {
                case 0 where !text.isEmpty: text[stream.below(text.count)] = stream.pick(Array(":-[]{}&*!|>'\"#\n \t,?%@\u{0}x1"))
                case 1: text.insert(contentsOf: Array(stream.pick(Self.tokens)), at: stream.below(text.count + 1))
                case 2 where text.count > 2:
                    let at = stream.below(text.count - 1)
                    text.removeSubrange(at..<min(text.count, at + 1 + stream.below(12)))
                case 3 where !text.isEmpty: text = Array(text.prefix(stream.below(text.count)))
                case 4:
                    let lines = String(text).split(separator: "\n", omittingEmptySubsequences: false)
                    if let line = lines.randomElement(using: &stream) { text += Array("\n" + line) }
                default: text += Array(Self.bomb(depth: 1 + stream.below(9), width: 1 + stream.below(12)))
                }
            }
            let yaml = String(text)
            let start = Date()
            do {
                let spec = try ExperimentSpec.parse(yaml: yaml, file: "fuzz.yaml")
                valid += 1
                if (try? spec.checkSize(maxRuns: 10_000)) != nil {
                    var runs = 0
                    spec.forEachPlan { _ in runs += 1 }
                    XCTAssertLessThanOrEqual(runs, spec.runCountBound ?? 0, yaml)
                }
            } catch {
                refused += 1
                XCTAssertFalse(error.errors.isEmpty, yaml)
                for problem in error.errors {
                    XCTAssertTrue(problem.description.hasPrefix("fuzz.yaml"), problem.description)
                    XCTAssertFalse(problem.message.isEmpty, yaml)
                }
            }
            let seconds = Date().timeIntervalSince(start)
            slowest = max(slowest, seconds)
            XCTAssertLessThan(seconds, 10, "spec \(trial) took \(seconds) s:\n\(yaml.prefix(400))")
        }
        print("spec fuzz: \(valid + refused) specs, \(valid) valid, \(refused) refused with located errors, "
              + String(format: "slowest %.3f s", slowest))
        XCTAssertGreaterThan(valid, 0)
        XCTAssertGreaterThan(refused, 0)
    }

    /// `depth` levels of `width` aliases each, as a `description:` value.
    private static func bomb(depth: Int, width: Int) -> String {
        var lines = ["\ndescription:", "  l0: &l0 [" + Array(repeating: "x", count: width).joined(separator: ", ") + "]"]
        for level in 1..<max(depth, 2) {
            lines.append("  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: width).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
