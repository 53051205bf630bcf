import Foundation
import PEFTData
import PEFTMethods
import XCTest
@testable import PEFTReports

/// The significance tests against scipy / scikit-learn numbers (Fixtures/significance_golden.json, written by
/// scripts/reference/make_report_golden.py).
final class SignificanceTests: XCTestCase {
    private var golden: [String: Any] {
        get throws {
            let url = ReportFormatTests.fixtures.appendingPathComponent("significance_golden.json")
            return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        }
    }

    func testPairedTTestMatchesScipy() throws {
        for case let item as [String: Any] in try golden["t_test"] as! [Any] {
            let test = try XCTUnwrap(PairedTTest(candidate: item["candidate"] as! [Double], baseline: item["baseline"] as! [Double]))
            let t = item["t"] as! Double, p = item["p"] as! Double
            XCTAssertEqual(test.t, t, accuracy: 1e-9 * abs(t), "\(item["name"]!)")
            // The incomplete-beta continued fraction converges to ~1e-14 relative; scipy's own error is similar.
            XCTAssertEqual(test.p, p, accuracy: 1e-10 * p + 1e-15, "\(item["name"]!)")
        }
        XCTAssertNil(PairedTTest(candidate: [0.5], baseline: [0.4]), "one pair has no variance estimate")
        XCTAssertEqual(PairedTTest(candidate: [0.5, 0.75], baseline: [0.25, 0.5])?.p, 0, "equal non-zero differences: t = ∞")
        XCTAssertTrue(PairedTTest(candidate: [0.5, 0.5], baseline: [0.5, 0.5])!.p.isNaN, "all differences zero: undefined, as scipy")
        XCTAssertEqual(PairedTTest.marker(p: 0.0004), "***")
        XCTAssertEqual(PairedTTest.marker(p: 0.03), "*")
        XCTAssertEqual(PairedTTest.marker(p: 0.2), "")
    }

    func testMcNemarExactMatchesScipyBinomtest() throws {
        for case let item as [String: Any] in try golden["mcnemar"] as! [Any] {
            let b = item["baseline_only"] as! Int, c = item["candidate_only"] as! Int, p = item["p"] as! Double
            XCTAssertEqual(McNemar(baselineOnly: b, candidateOnly: c).p, p, accuracy: 1e-11 * p + 1e-300, "b=\(b) c=\(c)")
        }
        let test = McNemar(candidateCorrect: [true, true, false, true], baselineCorrect: [false, true, true, false])
        XCTAssertEqual([test.baselineOnly, test.candidateOnly], [1, 2])
    }

    func testPairedBootstrapReplaysTheReferenceExactly() throws {
        let g = try golden["bootstrap"] as! [String: Any]
        let targets = (g["targets"] as! [Int]).map { Int32($0) }
        let classes = g["classes"] as! Int
        func stored(_ p: [Int]) -> [Int32] { p.map { Int32($0) } }
        let candidate = (g["candidate"] as! [[Int]]).map(stored), baseline = (g["baseline"] as! [[Int]]).map(stored)
        var rng = SplitMix64(seed: UInt64(g["seed"] as! Int))
        XCTAssertEqual((0 ..< 3).map { _ in String(rng.next()) }, g["first_draws"] as! [String])
        let metrics = ["accuracy", "macro_f1"]
        let bootstrap = PairedBootstrap(resamples: g["resamples"] as! Int, seed: UInt64(g["seed"] as! Int))
        let intervals = bootstrap.intervals(count: targets.count) { indices in
            metrics.map { metric in
                zip(candidate, baseline).map { c, b in
                    let mc = ClassificationMetrics(classes: classes).compute(predictions: indices.map { Int(c[$0]) }, targets: indices.map { Int(targets[$0]) })
                    let mb = ClassificationMetrics(classes: classes).compute(predictions: indices.map { Int(b[$0]) }, targets: indices.map { Int(targets[$0]) })
                    return mc[metric]! - mb[metric]!
                }.reduce(0, +) / Double(candidate.count)
            }
        }
        let ci = g["ci"] as! [String: [Double]], observed = g["observed"] as! [String: Double]
        for (metric, interval) in zip(metrics, intervals) {
            XCTAssertEqual(interval.observed, observed[metric]!, accuracy: 1e-12, metric)
            XCTAssertEqual(interval.low, ci[metric]![0], accuracy: 1e-12, metric)
            XCTAssertEqual(interval.high, ci[metric]![1], accuracy: 1e-12, metric)
        }
        // Against scipy.stats.bootstrap (its own RNG, 10 000 resamples): the endpoints' Monte Carlo error is
        // ≈ 0.027·σ of the difference (σ ≈ 0.04 here), so 0.01 is > 5 standard errors.
        let scipy = g["scipy_percentile_ci_accuracy_10000"] as! [Double]
        let ours = PairedBootstrap(resamples: 10_000, seed: 11).intervals(count: targets.count) { indices in
            [zip(candidate, baseline).map { c, b in
                Double(indices.filter { c[$0] == targets[$0] }.count - indices.filter { b[$0] == targets[$0] }.count) / Double(indices.count)
            }.reduce(0, +) / Double(candidate.count)]
        }[0]
        XCTAssertEqual(ours.low, scipy[0], accuracy: 0.01)
        XCTAssertEqual(ours.high, scipy[1], accuracy: 0.01)
    }

    func testPercentileIsNumpysLinear() {
        XCTAssertEqual(PairedBootstrap.percentile([1, 2, 3, 4], 0.5), 2.5)
        XCTAssertEqual(PairedBootstrap.percentile([1, 2, 3, 4, 5], 0.025), 1.1, accuracy: 1e-15)
        XCTAssertEqual(PairedBootstrap.percentile([7], 0.975), 7)
    }
}
