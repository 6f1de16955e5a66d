import CCPU
import CNNKernels
import CNNKernelsAVX2
import CNNKernelsAVX512
import Foundation

/// The processor this process runs on, read once with CPUID.
public struct CPUInfo: Sendable {
    /// The marketing name ("AMD EPYC 9R14 96-Core Processor"), or the vendor and family when the CPU
    /// gives none.
    public let name: String
    public let vendor: String
    public let family: Int, model: Int
    let features: UInt32

    static let current: CPUInfo = {
        var info = cnns_cpu_info()
        cnns_cpu_identify(&info)
        let vendor = withUnsafeBytes(of: info.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let brand = withUnsafeBytes(of: info.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            .trimmingCharacters(in: .whitespaces)
        let family = Int(info.family), model = Int(info.model)
        let name = brand.isEmpty ? (vendor.isEmpty ? "unknown CPU" : "\(vendor) family \(family) model \(model)") : brand
        return CPUInfo(name: name, vendor: vendor, family: family, model: model, features: info.features)
    }()

    func has(_ bits: UInt32) -> Bool { features & bits == bits }

    /// What -target-cpu haswell lets the compiler emit, and the OS saving the YMM registers.
    var runsAVX2: Bool {
        has(CNNS_CPU_AVX | CNNS_CPU_AVX2 | CNNS_CPU_FMA | CNNS_CPU_F16C | CNNS_CPU_BMI1 | CNNS_CPU_BMI2
            | CNNS_CPU_LZCNT | CNNS_CPU_MOVBE | CNNS_CPU_POPCNT | CNNS_CPU_SSE42 | CNNS_CPU_OS_YMM)
    }

    /// What -target-cpu skylake-avx512 adds, and the OS saving the opmask and ZMM registers.
    var runsAVX512: Bool {
        runsAVX2 && has(CNNS_CPU_AVX512F | CNNS_CPU_AVX512CD | CNNS_CPU_AVX512BW | CNNS_CPU_AVX512DQ
                        | CNNS_CPU_AVX512VL | CNNS_CPU_OS_ZMM)
    }

    /// The widest vector extension this CPU has, for people ("AVX-512", "AVX2", "SSE2", "NEON").
    public var vectorExtension: String {
        if has(CNNS_CPU_NEON) { return "NEON" }
        if runsAVX512 { return "AVX-512" }
        if runsAVX2 { return "AVX2" }
        return has(CNNS_CPU_SSE42) ? "SSE4.2" : "SSE2"
    }
}

/// Which kernel set runs: the widest the CPU has, unless `CNNS_ISA` names a lower one.
public enum Kernels {
    /// Every set this CPU can run, widest first; the portable one is always last.
    public static let available: [KernelSet] = {
        let cpu = CPUInfo.current
        var sets: [KernelSet] = []
        if cpu.runsAVX512, let k = avx512Kernels { sets.append(k) }
        if cpu.runsAVX2, let k = avx2Kernels { sets.append(k) }
        sets.append(portableKernels)
        return sets
    }()

    /// The names `CNNS_ISA` accepts, widest first, whether or not this CPU has them.
    public static let names = ["avx512", "avx2", "baseline"]

    /// The process's set and, when `CNNS_ISA` could not be honoured, why.
    static let chosen: (set: KernelSet, note: String?) = choose(ProcessInfo.processInfo.environment["CNNS_ISA"])

    static func choose(_ request: String?) -> (set: KernelSet, note: String?) {
        let best = available[0]
        guard let request, !request.isEmpty else { return (best, nil) }
        let wanted = request.lowercased()
        guard let rank = names.firstIndex(of: wanted) else {
            return (best, "CNNS_ISA=\(request) is not a kernel set (\(names.joined(separator: ", "))); using \(best.name)")
        }
        // A wider set than the CPU has cannot run; the widest one it has at or below the request can.
        if let set = available.first(where: { (names.firstIndex(of: $0.name) ?? 0) >= rank }) {
            return set.name == wanted ? (set, nil) : (set, "this CPU cannot run the \(wanted) kernels; using \(set.name)")
        }
        return (portableKernels, nil)
    }

    /// The set every op uses unless a test overrides it for its task.
    public static var active: KernelSet { override ?? chosen.set }

    /// Set for the duration of `Kernels.$override.withValue(set) { … }`: the ops called from that task
    /// use this set (tests run every set on every path this way). Ops read it once, on the calling
    /// thread, and hand it to their workers.
    @TaskLocal public static var override: KernelSet?

    /// Why `CNNS_ISA` was not honoured, for the shell to say once; nil when it was (or was not set).
    public static var selectionNote: String? { chosen.note }

    /// The processor, for people: "AMD EPYC 9R14 (family 25 model 17, AVX-512)".
    public static var cpuDescription: String {
        let cpu = CPUInfo.current
        return "\(cpu.name) (family \(cpu.family) model \(cpu.model), \(cpu.vectorExtension))"
    }

    /// Which GEMM runs: the engine's own, with the active set's register block.
    public static var gemmDescription: String {
        "cnns \(active.gemmRows)×\(active.gemmColumns)"
    }

    /// One line for `--version` and `cnns bench`: "AMD EPYC (family 25 model 1, AVX2), kernels avx2, GEMM cnns 6×16".
    public static var summary: String {
        "\(cpuDescription), kernels \(active.name), GEMM \(gemmDescription)"
    }
}
