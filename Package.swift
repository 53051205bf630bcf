// swift-tools-version:6.0
//
// PEFTLab: parameter-efficient fine-tuning experiments on CLIP-style models, on the CPU, stored in SQLite.
//
// Targets are layered; each depends only on targets above it in this list:
//   C shims (CBLAS, CJPEG, CPNG, CPQ) → PEFTTensor → PEFTCLIP → PEFTLM → PEFTMethods → PEFTStore → PEFTData
//   → PEFTOrchestrator → PEFTReports → peftlab (CLI)
import PackageDescription

/// Hot numeric loops need AVX2+FMA; the default x86_64 target is SSE2 only (see README, "Performance").
let vectorised: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "PEFTLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "peftlab", targets: ["peftlab"]),
        .library(name: "PEFTLab", targets: ["PEFTTensor", "PEFTCLIP", "PEFTLM", "PEFTMethods", "PEFTStore",
                                             "PEFTData", "PEFTOrchestrator", "PEFTReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
    ],
    targets: [
        // C shims
        // CBLAS loads OpenBLAS at run time (dlopen), choosing its kernels from CPUID: nothing to link here.
        .target(name: "CBLAS", exclude: ["README.md"],
                linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux])),
                                 .linkedLibrary("pthread", .when(platforms: [.linux]))]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        // libpq (Debian's libpq-dev), PostgreSQL's C client, for the PostgreSQL store backend.
        .systemLibrary(name: "CPQ", path: "Sources/CPQ", providers: [.apt(["libpq-dev"])]),

        // Tensor engine and model
        .target(name: "PEFTTensor", dependencies: ["CBLAS"], exclude: ["README.md"], swiftSettings: vectorised),
        .target(name: "PEFTCLIP", dependencies: ["PEFTTensor"], exclude: ["README.md"],
                resources: [.copy("Resources/merges.txt")],
                swiftSettings: vectorised),

        // The frozen causal language model (GPT-2 layout) MSE-Adapter feeds pseudo tokens to
        .target(name: "PEFTLM", dependencies: ["PEFTCLIP", "PEFTTensor"], exclude: ["README.md"],
                swiftSettings: vectorised),

        // PEFT methods and tasks: one folder per method, the config types they declare parameters with
        .target(name: "PEFTMethods", dependencies: ["PEFTCLIP", "PEFTLM", "PEFTTensor"],
                exclude: ["README.md", "MSEAdapter/README.md"],
                swiftSettings: vectorised),

        // Storage and data
        .target(name: "PEFTStore", dependencies: ["CPQ", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["README.md"]),
        .target(name: "PEFTData", dependencies: ["CJPEG", "CPNG", "PEFTCLIP", "PEFTTensor", "PEFTStore"],
                exclude: ["README.md"], swiftSettings: vectorised),

        // Orchestration, reports, CLI
        .target(name: "PEFTOrchestrator",
                dependencies: ["PEFTMethods", "PEFTStore", "PEFTData", "PEFTCLIP", "PEFTTensor", "Yams"],
                exclude: ["README.md"], swiftSettings: vectorised),
        .target(name: "PEFTReports", dependencies: ["PEFTStore", "PEFTMethods", "PEFTData"],
                exclude: ["README.md"]),
        .executableTarget(name: "peftlab", dependencies: [
            "PEFTTensor", "PEFTCLIP", "PEFTLM", "PEFTMethods", "PEFTStore", "PEFTData", "PEFTOrchestrator", "PEFTReports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: vectorised),

        // Tests
        .target(name: "PEFTTestSupport", dependencies: ["PEFTTensor"], path: "Tests/PEFTTestSupport"),
        .testTarget(name: "PEFTTensorTests", dependencies: ["PEFTTensor", "PEFTTestSupport"],
                    swiftSettings: vectorised),
        .testTarget(name: "PEFTCLIPTests", dependencies: ["PEFTCLIP", "PEFTTestSupport"], exclude: ["Fixtures"],
                    swiftSettings: vectorised),
        .testTarget(name: "PEFTLMTests", dependencies: ["PEFTLM", "PEFTCLIP", "PEFTTestSupport"], exclude: ["Fixtures"],
                    swiftSettings: vectorised),
        .testTarget(name: "PEFTMethodsTests", dependencies: ["PEFTMethods", "PEFTCLIP", "PEFTTestSupport"],
                    exclude: ["Fixtures"], swiftSettings: vectorised),
        .testTarget(name: "PEFTStoreTests", dependencies: ["PEFTStore", "PEFTTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PEFTDataTests", dependencies: ["PEFTData", "PEFTTestSupport", "PEFTStore", "PEFTCLIP"],
                    exclude: ["Fixtures"], swiftSettings: vectorised),
        .testTarget(name: "PEFTOrchestratorTests", dependencies: ["PEFTOrchestrator", "PEFTMethods", "PEFTStore", "PEFTTestSupport"],
                    swiftSettings: vectorised),
        .testTarget(name: "PEFTReportsTests", dependencies: ["PEFTReports", "PEFTStore", "PEFTOrchestrator", "PEFTMethods", "PEFTData",
                                                           "PEFTTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "PEFTCLITests", dependencies: ["PEFTStore", "PEFTOrchestrator", "PEFTMethods", "PEFTCLIP", "PEFTData",
                                                        "PEFTTestSupport",
                                                        .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
