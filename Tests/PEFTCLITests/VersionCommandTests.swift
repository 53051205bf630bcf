import Foundation
import XCTest

/// `peftlab version` reports the CPU and the BLAS kernels; the BLAS loader's choices and errors as a user sees them.
final class VersionCommandTests: XCTestCase {
    func testVersionNamesTheCPUTheBLASItsConfigAndItsCore() throws {
        let result = try CLIRunner.run(["version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("peftlab ") ?? false, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("cpu   ") && $0.contains("AVX-512F") && $0.contains("AMX") },
                      result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("blas  OpenBLAS ") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("blas  config: OpenBLAS ") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("blas  core: ") }, result.stdout)
    }

    /// The bug and the fix, emulated: PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott stands in for an OpenBLAS that does not
    /// know this CPU; PEFTLab's selection overrides it unless PEFTLAB_TEST_BLAS_NO_AUTOSELECT turns it off.
    func testTheSelectionOverridesAMisdetectedGenericCore() throws {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else {
            throw XCTSkip("OPENBLAS_CORETYPE is set in this environment: the user's choice wins over the emulation")
        }
        let plain = try CLIRunner.run(["version"])
        guard plain.stdout.contains(" AVX2 FMA ") else {
            throw XCTSkip("this CPU has no AVX2+FMA, so PEFTLab leaves the core to OpenBLAS:\n\(plain.stdout)")
        }
        let fixed = try CLIRunner.run(["version"], environment: ["PEFTLAB_TEST_BLAS_DEFAULT_CORE": "Prescott"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertTrue(fixed.stdout.contains("chosen by PEFTLab, from CPUID"), fixed.stdout)
        XCTAssertFalse(fixed.stdout.contains("Prescott"), fixed.stdout)
        XCTAssertFalse(fixed.stderr.contains("warning"), fixed.stderr)

        let broken = try CLIRunner.run(["version"], environment: ["PEFTLAB_TEST_BLAS_DEFAULT_CORE": "Prescott",
                                                                  "PEFTLAB_TEST_BLAS_NO_AUTOSELECT": "1"])
        XCTAssertEqual(broken.status, 0, broken.stderr)
        XCTAssertTrue(broken.stdout.contains("blas  core: Prescott (SSE kernels)"), broken.stdout)
        XCTAssertTrue(broken.stderr.contains("warning: OpenBLAS runs its Prescott kernels (SSE)"), broken.stderr)
    }

    func testAMissingLibraryIsAClearErrorNotACrash() throws {
        for command in [["version"], ["bench", "gemm", "--repeats", "1"]] {
            let result = try CLIRunner.run(command, environment: ["PEFTLAB_OPENBLAS": "/nonexistent/libopenblas.so.0"])
            XCTAssertEqual(result.status, 1, "\(command): \(result.stdout)\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("cannot load OpenBLAS from $PEFTLAB_OPENBLAS: /nonexistent/libopenblas.so.0"),
                          result.stderr)
            XCTAssertTrue(result.stderr.contains("apt-get install libopenblas0"), result.stderr)
        }
    }
}
