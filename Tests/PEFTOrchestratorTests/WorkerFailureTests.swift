import Foundation
import PEFTStore
import PEFTTestSupport
import XCTest
@testable import PEFTOrchestrator

/// A worker whose database refuses its writes for good (here: the leases table is gone, as a full disk or a
/// read-only file would refuse them) stops at once with the cause, instead of polling forever.
final class WorkerFailureTests: XCTestCase {
    func testAClaimErrorThatRetryingCannotFixStopsTheWorkerWithItsCause() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("worker-fail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: TestDatabase.locator(dir.appendingPathComponent("w.db").path))
        try SyntheticFeatureDataset.make(store: store, name: "synth")
        _ = try ExperimentQueue(store: store).queue([ExperimentSpec.parse(yaml: """
            name: doomed
            dataset: synth
            task: classification
            method: {name: linear-probe, feature: features}
            """, file: "doomed.yaml")])
        try store.write { try $0.execute("DROP TABLE leases") }
        var options = Worker.Options()
        options.threads = 1
        options.cores = 1
        let started = Date()
        let summary = Worker(store: store, options: options).run()
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the worker gave up instead of retrying forever")
        XCTAssertTrue(summary.fatalError?.contains("leases") ?? false, summary.fatalError ?? "no fatal error")
        XCTAssertEqual(summary.failed, 0, "the run did not fail: the database did")
        XCTAssertFalse(StoreError.isTransient(StoreError.sql(message: "no such table: leases", sql: "")))
        XCTAssertTrue(StoreError.isTransient(StoreError.sql(message: "database is locked", sql: "")))
    }
}
