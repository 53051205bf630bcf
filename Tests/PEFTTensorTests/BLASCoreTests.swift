import Foundation
@testable import PEFTTensor
import XCTest

/// Which OpenBLAS kernels run: the live check on this machine, and the shim's decision table on made-up CPUs.
///
/// To see the live check catch the bug on an AVX2 or AVX-512 machine, emulate an OpenBLAS that does not know the CPU
/// and turn PEFTLab's selection off (both switches are test-only, see Sources/CBLAS/README.md):
///
///     PEFTLAB_TEST_BLAS_NO_AUTOSELECT=1 PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott \
///         swift test -c release -Xswiftc -enable-testing --filter BLASCoreTests   # fails: Prescott
///     PEFTLAB_TEST_BLAS_DEFAULT_CORE=Prescott swift test … --filter BLASCoreTests  # passes: PEFTLab loads Zen/Haswell/SkylakeX
final class BLASCoreTests: XCTestCase {
    /// The regression test for issue 16: an SSE core (Prescott, Core2, Penryn, Nehalem, Atom, Katmai, …: anything
    /// without AVX2 kernels) on a CPU with AVX2+FMA or AVX-512 fails here.
    func testBLASRunsAVX2OrWiderKernelsOnCPUsThatHaveThem() throws {
        let blas = try BLAS.load()
        let machine = "\(blas.cpu.summary) [\(blas.cpu.features.summary)], \(blas.config)"
        print("BLASCoreTests: \(blas.core) (\(blas.coreISA) kernels, chosen by \(blas.coreChoice)) on \(machine)")
        guard blas.cpu.isa >= .avx2 else {
            throw XCTSkip("\(blas.cpu.summary) has neither AVX2+FMA nor AVX-512 (\(blas.cpu.features.summary)); "
                          + "OpenBLAS's own choice, \(blas.core), is the best this CPU runs.")
        }
        XCTAssertFalse(blas.runsGenericKernels,
                       "OpenBLAS runs its \(blas.core) kernels (\(blas.coreISA)) on a CPU with \(blas.cpu.isa), "
                       + "chosen by \(blas.coreChoice): \(machine)")
        if blas.coreChoice == .peftlab {
            XCTAssertEqual(blas.core.lowercased(), blas.cpu.preferredBLASCore?.lowercased(),
                           "OpenBLAS did not take the core PEFTLab asked for (\(blas.requestedCore ?? "none"))")
            XCTAssertEqual(blas.coreISA, blas.expectedISA)
        }
        XCTAssertEqual(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], blas.userCore,
                       "the loader restores OPENBLAS_CORETYPE after loading")
    }

    func testCoreNamesMapToTheInstructionsTheirKernelsUse() {
        for name in ["Prescott", "Core2", "Penryn", "Nehalem", "Atom", "Katmai", "Dunnington", "Barcelona", "Opteron_SSE3"] {
            XCTAssertEqual(BLAS.isa(ofCore: name), .sse, name)
        }
        XCTAssertEqual(BLAS.isa(ofCore: "Sandybridge"), .avx)
        XCTAssertEqual(BLAS.isa(ofCore: "Haswell"), .avx2)
        XCTAssertEqual(BLAS.isa(ofCore: "ZEN"), .avx2, "OpenBLAS compares core names case-insensitively")
        XCTAssertEqual(BLAS.isa(ofCore: "SkylakeX"), .avx512)
        XCTAssertEqual(BLAS.isa(ofCore: "Cooperlake"), .avx512)
        XCTAssertEqual(BLAS.isa(ofCore: "Bogus"), .unknown)
    }

    func testPEFTLabChoosesTheCoreFromFeaturesNotTheModel() {
        // Emerald Rapids (family 6 model 0xCF): Debian's OpenBLAS 0.3.21 runs Prescott there by itself.
        XCTAssertEqual(plan(.emeraldRapids).core, "SkylakeX")
        XCTAssertEqual(plan(.emeraldRapids).choice, .peftlab)
        XCTAssertEqual(plan(.cooperLake).core, "SkylakeX", "Cooperlake's sgemm kernels are SkylakeX's")
        XCTAssertEqual(plan(.zen3).core, "Zen")
        XCTAssertEqual(plan(.cpu(vendor: "HygonGenuine", .avx2)).core, "Zen")
        XCTAssertEqual(plan(.cpu(vendor: "GenuineIntel", .avx2)).core, "Haswell")
        var noVL = CPUInfo.emeraldRapids
        noVL.features.avx512vl = false
        XCTAssertEqual(plan(noVL).core, "Haswell", "SkylakeX kernels need all of AVX-512 F/DQ/CD/BW/VL")
        let sandyBridge = CPUInfo.cpu(vendor: "GenuineIntel", .avx)
        XCTAssertNil(plan(sandyBridge).core, "below AVX2 OpenBLAS's own table decides")
        XCTAssertEqual(plan(sandyBridge).choice, .library)
    }

    func testTheUsersCoreIsKeptUnlessTheCPUCannotRunIt() {
        XCTAssertEqual(plan(.zen3, user: "Prescott").core, nil)
        XCTAssertEqual(plan(.zen3, user: "Prescott").choice, .user)
        XCTAssertEqual(plan(.zen3, user: "Bogus").choice, .user, "OpenBLAS handles names it does not know")
        XCTAssertEqual(plan(.zen3, user: "").choice, .peftlab, "an empty OPENBLAS_CORETYPE counts as unset")
        XCTAssertEqual(plan(.zen3, user: "SkylakeX").core, "Zen", "SkylakeX kernels would die of SIGILL on Zen 3")
        XCTAssertEqual(plan(.zen3, user: "SkylakeX").choice, .userReplaced)
        let replaced = plan(.cpu(vendor: "GenuineIntel", .avx), user: "Haswell")
        XCTAssertEqual(replaced.choice, .userReplaced)
        XCTAssertNil(replaced.core, "no PEFTLab choice below AVX2: the variable is unset while loading")
    }

    func testTestSwitchesAndAPreloadedLibrary() {
        XCTAssertEqual(plan(.zen3, autoselect: false).choice, .library)
        XCTAssertNil(plan(.zen3, autoselect: false).core)
        XCTAssertEqual(plan(.zen3, autoselect: false, testDefault: "Prescott").core, "Prescott")
        XCTAssertEqual(plan(.zen3, autoselect: false, testDefault: "Prescott").choice, .testDefault)
        XCTAssertEqual(plan(.zen3, testDefault: "Prescott").core, "Zen", "the fix overrides OpenBLAS's misdetection")
        XCTAssertEqual(plan(.zen3, preloaded: true).choice, .preloaded)
        XCTAssertNil(plan(.zen3, user: "SkylakeX", preloaded: true).core, "too late to choose once loaded")
    }

    func testWarningsNameTheSlowCoreAndTheFix() {
        let slow = info(core: "Prescott", choice: .user, user: "Prescott", on: .zen3)
        XCTAssertTrue(slow.runsGenericKernels)
        XCTAssertEqual(slow.warnings.count, 1)
        XCTAssertTrue(slow.warnings[0].contains("Prescott kernels (SSE)") && slow.warnings[0].contains("load Zen"),
                      slow.warnings[0])
        XCTAssertFalse(info(core: "Haswell", choice: .user, user: "Haswell", on: .emeraldRapids).runsGenericKernels)
        XCTAssertEqual(info(core: "Haswell", choice: .user, user: "Haswell", on: .emeraldRapids).warnings.count, 1,
                       "AVX2 kernels on an AVX-512 CPU are not generic, but still worth a warning")
        XCTAssertEqual(info(core: "Zen", choice: .peftlab, on: .zen3).warnings, [])
        XCTAssertEqual(info(core: "Nehalem", choice: .library, on: .cpu(vendor: "GenuineIntel", .sse)).warnings, [])
    }

    func testBenchmarkReportsCarryTheMachine() throws {
        let machine = try BLAS.load()
        let settings = BenchmarkSettings(threads: 1, repeats: 1)
        let result = BenchmarkResult(suite: "gemm", name: "8x8 @ 8x8", seconds: 1e-6, metrics: [("ratio", 1)])
        let table = BenchmarkReport.table([result], settings: settings, machine: machine)
        XCTAssertTrue(table.hasPrefix("cpu   ") && table.contains("blas  core: \(machine.core)"), table)
        let json = try BenchmarkReport.json([result], settings: settings, machine: machine)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let blas = try XCTUnwrap(decoded?["machine"] as? [String: Any])
        XCTAssertEqual(blas["core"] as? String, machine.core)
        XCTAssertEqual(blas["config"] as? String, machine.config)
        XCTAssertNotNil((blas["cpu"] as? [String: Any])?["features"])
    }

    // MARK: - Helpers

    private func plan(_ cpu: CPUInfo, user: String? = nil, autoselect: Bool = true, testDefault: String? = nil,
                      preloaded: Bool = false) -> (core: String?, choice: BLASCoreChoice) {
        BLAS.plan(cpu: cpu, userCore: user, autoselect: autoselect, testDefaultCore: testDefault, preloaded: preloaded)
    }

    private func info(core: String, choice: BLASCoreChoice, user: String? = nil, on cpu: CPUInfo) -> BLASInfo {
        BLASInfo(library: "/lib/libopenblas.so.0", version: "0.3.21", config: "OpenBLAS 0.3.21 DYNAMIC_ARCH \(core)",
                 core: core, coreISA: BLAS.isa(ofCore: core), threading: "pthreads", coreChoice: choice,
                 requestedCore: user, userCore: user, cpu: cpu)
    }
}

private extension CPUInfo {
    /// A made-up CPU of `vendor` with every feature up to `level`.
    static func cpu(vendor: String, _ level: VectorISA, family: Int = 6, model: Int = 0) -> CPUInfo {
        var features = CPUFeatures()
        features.sse3 = true
        features.ssse3 = true
        features.sse42 = true
        features.avx = level >= .avx
        features.fma = level >= .avx2
        features.avx2 = level >= .avx2
        let avx512 = level >= .avx512
        (features.avx512f, features.avx512dq, features.avx512cd, features.avx512bw, features.avx512vl) =
            (avx512, avx512, avx512, avx512, avx512)
        return CPUInfo(vendor: vendor, model: "test CPU", family: family, modelNumber: model, stepping: 0,
                       features: features)
    }

    static var zen3: CPUInfo { cpu(vendor: "AuthenticAMD", .avx2, family: 25, model: 1) }

    static var cooperLake: CPUInfo {
        var cpu = cpu(vendor: "GenuineIntel", .avx512, model: 0x55)
        cpu.features.avx512bf16 = true
        return cpu
    }

    static var emeraldRapids: CPUInfo {
        var cpu = cooperLake
        cpu.modelNumber = 0xCF
        cpu.features.avx512fp16 = true
        (cpu.features.amxTile, cpu.features.amxBF16, cpu.features.amxInt8) = (true, true, true)
        return cpu
    }
}
