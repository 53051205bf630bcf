import ArgumentParser
import Foundation
import PEFTStore
import PEFTTensor

/// The PEFTLab release this binary was built from.
enum PEFTLabVersion {
    static let string = "0.1.0"
}

extension PEFTLab {
    /// `peftlab version`: the release, the schema version it writes, and the CPU and BLAS kernels it runs on.
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the PEFTLab version, the database schema version it writes, and the CPU and BLAS it runs on.",
            discussion: """
                The BLAS lines name the OpenBLAS library, its build (config string), the kernel core it runs and \
                who chose it; the CPU line lists the features that decide GEMM speed (AVX2, FMA, AVX-512F, \
                AVX512-BF16, AVX512-FP16, AMX). A warning goes to stderr when the kernels are narrower than the CPU \
                allows (for example OPENBLAS_CORETYPE=Prescott on an AVX2 CPU).

                Example:
                  peftlab version
                """)

        func run() throws {
            printOut("peftlab \(PEFTLabVersion.string) (schema version \(Schema.version))\n")
            let blas = try BLAS.load()
            printOut(blas.summaryLines.joined(separator: "\n") + "\n")
            for warning in blas.warnings { printErr("warning: \(warning)\n") }
        }
    }
}
