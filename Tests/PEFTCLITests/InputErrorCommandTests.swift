import Foundation
import PEFTTestSupport
import XCTest

/// Hostile or mistaken inputs get one actionable line and exit non-zero: never a hang, a Foundation error code,
/// or the contents of a file that is not a spec.
final class InputErrorCommandTests: XCTestCase {
    private let spec = "dataset: d\ntask: classification\nmethod: linear-probe\n"

    func testRelativeBaseResolvesAgainstTheNamingFileFromAnyDirectory() throws {
        let dir = TemporaryDirectory()
        let sub = dir.url.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try (spec + "train: {epochs: 7}\n").write(to: dir.url.appendingPathComponent("common.yaml"), atomically: true,
                                                  encoding: .utf8)
        try (spec + "train: {epochs: 1}\n").write(to: sub.appendingPathComponent("common.yaml"), atomically: true,
                                                  encoding: .utf8)  // a decoy the old code picked up
        try "name: child\nbase: ../common.yaml\n".write(to: sub.appendingPathComponent("child.yaml"), atomically: true,
                                                       encoding: .utf8)
        let db = dir.path("p.db")
        XCTAssertEqual(try CLIRunner.run(["init", "--db", db]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["sql", "--write", "--db", db,
                                          "INSERT INTO datasets (name, created_at) VALUES ('d', 0)"]).status, 0)
        for (cwd, file) in [(dir.url, "sub/child.yaml"), (sub, "child.yaml")] {
            let result = try CLIRunner.run(["queue", "--db", db, file], in: cwd)
            XCTAssertEqual(result.status, 0, "from \(cwd.lastPathComponent): \(result.stderr)")
        }
        let epochs = try CLIRunner.run(["sql", "--db", db, "--csv",
                                        "SELECT json_extract(config_json, '$.train.epochs') AS epochs FROM runs"])
        XCTAssertEqual(epochs.stdout, "epochs\n7\n", "one run, inheriting ../common.yaml from both directories")

        let lonely = dir.url.appendingPathComponent("lonely.yaml")
        try "name: l\nbase: ../nowhere.yaml\n".write(to: lonely, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["queue", "--dry-run", "--db", db, lonely.path])
        XCTAssertTrue(result.stderr.contains("cannot read base spec '../nowhere.yaml' ("
                                             + dir.url.deletingLastPathComponent().path + "/nowhere.yaml): no such file"),
                      result.stderr)
    }

    func testNonSpecFilesNeverHaveTheirContentsPrinted() throws {
        let dir = TemporaryDirectory()
        let shadow = dir.url.appendingPathComponent("shadow")
        try "root:$6$saltsalt$SECRETHASH:19000:0:99999:7:::\nbob:$6$zz$OTHERSECRET:19000:0:99999:7:::\n"
            .write(to: shadow, atomically: true, encoding: .utf8)
        let child = dir.url.appendingPathComponent("c.yaml")
        try "name: c\nbase: \(shadow.path)\n\(spec)".write(to: child, atomically: true, encoding: .utf8)
        for file in [child.path, shadow.path] {
            let result = try CLIRunner.run(["queue", "--dry-run", "--db", dir.path("p.db"), file])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertFalse(result.stderr.contains("SECRET"), result.stderr)
            XCTAssertFalse(result.stderr.contains("$6$"), result.stderr)
        }
    }

    func testAliasBombIsRefusedAtOnceWithItsLine() throws {
        let dir = TemporaryDirectory()
        var lines = ["  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1...8 { lines.append("  a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let file = dir.url.appendingPathComponent("bomb.yaml")
        try ("name: b\n\(spec)description:\n" + lines.joined(separator: "\n") + "\n").write(to: file, atomically: true,
                                                                                            encoding: .utf8)
        let start = Date()
        let result = try CLIRunner.run(["queue", "--dry-run", file.path])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("bomb.yaml:10:") && result.stderr.contains("alias '*a3'"), result.stderr)
    }

    func testHugeGridIsRefusedBeforeExpansionAndMaxRunsRaisesTheLimit() throws {
        let dir = TemporaryDirectory()
        let reals = ["lr", "weight_decay", "momentum", "grad_clip"].map { name -> String in
            let values: [String] = (1...10).map { "0.\($0)1" }
            return "  train.\(name): [" + values.joined(separator: ", ") + "]"
        }
        let integers = ["epochs", "batch_size", "warmup_steps", "checkpoint_every", "keep_last"].map { name -> String in
            let values: [String] = (1...10).map { String($0) }
            return "  train.\(name): [" + values.joined(separator: ", ") + "]"
        }
        let axes: [String] = reals + integers
        let file = dir.url.appendingPathComponent("grid.yaml")
        try ("name: g\n\(spec)grid:\n" + axes.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let db = TestDatabase.locator(dir.path("p.db"))
        XCTAssertEqual(try CLIRunner.run(["init", "--db", db]).status, 0)
        let start = Date()
        let result = try CLIRunner.run(["queue", "--dry-run", "--db", db, file.path])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("up to 1000000000 runs, more than the limit of 100000"), result.stderr)
        XCTAssertTrue(result.stderr.contains("train.lr (10) × train.weight_decay (10)"), result.stderr)

        let small = dir.url.appendingPathComponent("small.yaml")
        try ("name: s\n\(spec)grid:\n  train.lr: [0.1, 0.2, 0.3]\nseeds: [1, 2]\n").write(to: small, atomically: true,
                                                                                         encoding: .utf8)
        XCTAssertNotEqual(try CLIRunner.run(["queue", "--dry-run", "--db", db, "--max-runs", "5", small.path]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["queue", "--dry-run", "--db", db, "--max-runs", "6", small.path]).status, 0)
    }

    func testDirectoriesGivenAsImagesOrOutputsSayWhatIsWrong() throws {
        let dir = TemporaryDirectory()
        let image = try CLIRunner.run(["preprocess", dir.url.path, "-o", dir.path("x.npy")])
        XCTAssertNotEqual(image.status, 0)
        XCTAssertTrue(image.stderr.contains("it is a directory, expected a file"), image.stderr)
        XCTAssertFalse(image.stderr.contains("NSCocoaErrorDomain"), image.stderr)

        let png = repositoryRoot.appendingPathComponent("Tests/PEFTDataTests/Fixtures/images/rgba.png").path
        let output = try CLIRunner.run(["preprocess", png, "-o", dir.url.path])
        XCTAssertNotEqual(output.status, 0)
        XCTAssertTrue(output.stderr.contains("it is a directory, expected a file"), output.stderr)
        XCTAssertFalse(output.stderr.contains("NSCocoaErrorDomain"), output.stderr)
    }

    /// transformers 5 composites transparent pixels on white; `--alpha drop` keeps transformers 4.x's behaviour.
    func testPreprocessCompositesAlphaOnWhiteByDefault() throws {
        let dir = TemporaryDirectory()
        let png = repositoryRoot.appendingPathComponent("Tests/PEFTDataTests/Fixtures/images/rgba.png").path
        XCTAssertEqual(try CLIRunner.run(["preprocess", png, "-o", dir.path("white.npy")]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["preprocess", png, "--alpha", "drop", "-o", dir.path("drop.npy")]).status, 0)
        XCTAssertEqual(try CLIRunner.run(["preprocess", png, "--alpha", "white", "-o", dir.path("w2.npy")]).status, 0)
        let white = try Data(contentsOf: dir.url.appendingPathComponent("white.npy"))
        XCTAssertEqual(white, try Data(contentsOf: dir.url.appendingPathComponent("w2.npy")))
        XCTAssertNotEqual(white, try Data(contentsOf: dir.url.appendingPathComponent("drop.npy")))
    }
}

/// The repository root, from this file's path (Tests/PEFTCLITests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
