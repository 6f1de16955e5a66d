import Foundation
import Testing

/// The kernels are chosen at run time (CNNKit's Kernels.swift): these run the binary as users get it
/// on CPUs with and without AVX2, and read its machine code to check that no instruction of a wider set
/// sits outside the modules built for that set.
@Suite("kernel sets chosen at run time")
struct KernelSetTests {
    /// A conv, a pooling, a matmul and a LeNet-5 forward, printed as sums and a few values.
    static let script = """
        x = randn(2, 3, 17, 19, seed: 1)
        y = conv(x, randn(8, 3, 3, 3, seed: 2), randn(8, seed: 3), pad: 1)
        print(sum(y), sum(abs(y)), y[1, 7, 16, 18])
        print(sum(maxpool(y, 2)), sum(avgpool(y, 3, stride: 2)))
        a = randn(70, 90, seed: 4)
        b = randn(90, 50, seed: 5)
        c = a @ b
        print(sum(c), sum(abs(c)), c[69, 49])
        seed(6)
        z = lenet5()(randn(4, 1, 28, 28, seed: 7))
        print(sum(z), sum(abs(z)), z[3, 9])
        """

    /// Every number the script printed.
    static func numbers(_ output: String) -> [Double] {
        output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    }

    static func expectSameNumbers(_ got: CNNS.Result, _ native: CNNS.Result, _ label: String) {
        #expect(got.status == 0, "\(label): \(got)")
        let (a, b) = (numbers(got.stdout), numbers(native.stdout))
        #expect(a.count == b.count && a.count == 11, "\(label): \(got.stdout) vs \(native.stdout)")
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= 1e-4 * max(abs(y), 1), "\(label): \(x) vs native \(y)")
        }
    }

    static func scriptFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kernel-sets-\(UUID().uuidString).cnns")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("--version names the CPU, the kernel set in use and the GEMM; bench --json carries the same")
    func version() throws {
        let result = try CNNS.run(["--version"])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(result)")
        let machine = lines.count == 2 ? String(lines[1]) : ""
        #expect(machine.contains(", kernels ") && machine.contains(", GEMM cnns "), "\(result)")
        guard let release = Self.releaseBinary else {
            print("skipped: cnns bench --json needs the release binary (CNNS_RELEASE_BIN, set by scripts/test)")
            return
        }
        let bench = try CNNS.run(["bench", "--json", "--threads", "1", "L1"], timeout: 120, executable: release)
        #expect(bench.status == 0, "\(bench)")
        for key in ["\"cpu\":", "\"kernels\":", "\"gemm\":"] { #expect(bench.stdout.contains(key), "\(key): \(bench)") }
        if let set = machine.components(separatedBy: ", kernels ").last?.components(separatedBy: ",").first {
            #expect(bench.stdout.contains("\"kernels\": \"\(set)\""), "\(bench)")
        }
    }

    @Test("CNNS_ISA forces each set this CPU runs, and every set computes the same numbers")
    func forcedSets() throws {
        let file = try Self.scriptFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let native = try CNNS.run([file.path])
        #expect(native.status == 0, "\(native)")
        var ran: [String] = []
        for set in ["avx512", "avx2", "baseline"] {
            let version = try CNNS.run(["--version"], environment: ["CNNS_ISA": set])
            guard version.stdout.contains("kernels \(set),") else {
                // A wider set than the CPU has is refused with a warning, and the widest it has runs.
                #expect(version.stderr.contains("cannot run the \(set) kernels"), "\(version)")
                continue
            }
            ran.append(set)
            Self.expectSameNumbers(try CNNS.run([file.path], environment: ["CNNS_ISA": set]), native, set)
        }
        #expect(ran.contains("baseline"))
        let bogus = try CNNS.run(["-e", "1 + 1"], environment: ["CNNS_ISA": "avx9000"])
        #expect(bogus.status == 0 && bogus.stdout == "2\n", "\(bogus)")
        #expect(bogus.stderr.contains("CNNS_ISA=avx9000 is not a kernel set"), "\(bogus)")
    }

    /// The release binary scripts/test builds, or nil (then the tests that need it say so and skip).
    static let releaseBinary: String? = {
        guard let path = ProcessInfo.processInfo.environment["CNNS_RELEASE_BIN"], !path.isEmpty,
              FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }()

    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    @Test("the release binary runs on QEMU's Haswell (AVX2, no AVX-512) and Nehalem (SSE4.2) with the native numbers")
    func emulatedCPUs() throws {
        #if arch(x86_64)
        guard let release = Self.releaseBinary else {
            print("skipped: CNNS_RELEASE_BIN is not set (scripts/test builds the release binary and sets it)")
            return
        }
        guard let qemu = Self.tool("qemu-x86_64") else {
            print("skipped: qemu-x86_64 is not installed (Debian's qemu-user; scripts/setup installs it)")
            return
        }
        let file = try Self.scriptFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let native = try CNNS.run([file.path], executable: release)
        #expect(native.status == 0, "\(native)")
        for (cpu, set) in [("Haswell", "avx2"), ("Nehalem", "baseline")] {
            let version = try CNNS.run(["-cpu", cpu, release, "--version"], timeout: 120, executable: qemu)
            #expect(version.status == 0 && version.stdout.contains("kernels \(set),"), "\(cpu): \(version)")
            Self.expectSameNumbers(try CNNS.run(["-cpu", cpu, release, file.path], timeout: 300, executable: qemu),
                                   native, cpu)
        }
        #else
        print("skipped: QEMU's x86 CPU models apply to x86-64 builds only")
        #endif
    }

    @Test("vector instructions of a wider set appear only in the functions of the module built for it")
    func isaIsolation() throws {
        #if arch(x86_64)
        guard let objdump = Self.tool("objdump") else {
            print("skipped: objdump (binutils) is not installed")
            return
        }
        guard let swift = Self.tool("swift") else {
            print("skipped: the swift driver (for swift demangle) is not on PATH")
            return
        }
        for binary in [CNNS.binary] + (Self.releaseBinary.map { [$0] } ?? []) {
            let listing = try CNNS.run(["-d", "--no-show-raw-insn", binary], timeout: 300, executable: objdump)
            #expect(listing.status == 0, "objdump \(binary): status \(listing.status)")
            // Functions whose code names a YMM or ZMM register.
            var ymm = Set<String>(), zmm = Set<String>(), current = ""
            for line in listing.stdout.split(separator: "\n") {
                if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
                    current = String(line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)])
                } else if line.contains("%zmm") {
                    zmm.insert(current)
                } else if line.contains("%ymm") {
                    ymm.insert(current)
                }
            }
            let names = Array(ymm.union(zmm)).sorted()
            #expect(!names.isEmpty, "no vector code found in \(binary)")
            let demangled = try CNNS.run(["demangle"], stdin: names.joined(separator: "\n") + "\n", timeout: 120, executable: swift)
            let readable = demangled.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(readable.count >= names.count, "swift demangle: \(demangled)")
            // The module shows in the demangled name, or in the mangled one (a global's initialiser
            // demangles without it).
            func inModule(_ symbol: String, _ text: String, _ modules: [String]) -> Bool {
                modules.contains { text.contains($0) || symbol.contains($0) }
            }
            for (symbol, text) in zip(names, readable) {
                if zmm.contains(symbol) {
                    #expect(inModule(symbol, text, ["CNNKernelsAVX512"]), "AVX-512 code outside CNNKernelsAVX512: \(text)")
                } else {
                    #expect(inModule(symbol, text, ["CNNKernelsAVX2", "CNNKernelsAVX512", "CNNKernelsCheck"]),
                            "AVX code outside the per-set modules: \(text)")
                }
            }
        }
        #else
        print("skipped: the x86 instruction-set check applies to x86-64 builds only")
        #endif
    }
}
