import CBLAS

/// The CPU this process runs on, from CPUID: vendor, model and the vector features that decide GEMM speed.
///
/// The AVX and AVX-512 flags are true only when the OS also enables the registers (XGETBV), i.e. when code may use
/// them. On CPUs other than x86-64 every field is empty or false.
public struct CPUInfo: Codable, Equatable, Sendable {
    /// `GenuineIntel`, `AuthenticAMD`, `HygonGenuine`, … (empty off x86-64).
    public var vendor: String
    /// The brand string, e.g. `AMD EPYC 7B13` or `Intel(R) Xeon(R) Platinum 8488C`.
    public var model: String
    /// Display family, model and stepping as /proc/cpuinfo prints them (e.g. 25, 1, 1 for a Zen 3 EPYC).
    public var family: Int, modelNumber: Int, stepping: Int
    public var features: CPUFeatures

    /// The CPU of this process (CPUID runs once per process).
    public static var current: CPUInfo {
        var raw = pl_blas_cpu()
        pl_blas_cpu_detect(&raw)
        return CPUInfo(raw)
    }

    /// The widest vector kernels this CPU runs.
    public var isa: VectorISA { VectorISA(level: Int(withUnsafePointer(to: raw) { pl_blas_cpu_isa($0) })) }

    /// The OpenBLAS core PEFTLab loads on this CPU when the user has not chosen one (`nil`: OpenBLAS decides).
    public var preferredBLASCore: String? {
        withUnsafePointer(to: raw) { pl_blas_preferred_core($0).map { String(cString: $0) } }
    }

    /// One line: `AMD EPYC (AuthenticAMD family 25 model 1 stepping 1)`.
    public var summary: String {
        let name = model.isEmpty ? (vendor.isEmpty ? "unknown CPU" : vendor) : model
        return vendor.isEmpty ? name : "\(name) (\(vendor) family \(family) model \(modelNumber) stepping \(stepping))"
    }

    /// The C struct again, for the shim's decision functions.
    var raw: pl_blas_cpu {
        var raw = pl_blas_cpu()
        withUnsafeMutableBytes(of: &raw.vendor) { copy(vendor, into: $0) }
        withUnsafeMutableBytes(of: &raw.brand) { copy(model, into: $0) }
        raw.family = Int32(family)
        raw.model = Int32(modelNumber)
        raw.stepping = Int32(stepping)
        features.write(into: &raw)
        return raw
    }

    private func copy(_ text: String, into buffer: UnsafeMutableRawBufferPointer) {
        let bytes = Array(text.utf8.prefix(buffer.count - 1))
        buffer.copyBytes(from: bytes + [0])
    }
}

extension CPUInfo {
    init(_ raw: pl_blas_cpu) {
        var raw = raw
        let vendor = withUnsafeBytes(of: &raw.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let model = withUnsafeBytes(of: &raw.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        self.init(vendor: vendor, model: model, family: Int(raw.family), modelNumber: Int(raw.model),
                  stepping: Int(raw.stepping), features: CPUFeatures(raw))
    }
}
