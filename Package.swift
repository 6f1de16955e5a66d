// swift-tools-version:6.0
import PackageDescription

// Kernels are chosen at run time, not at build time (CNNKit's Kernels.swift reads the CPU's features):
// the generic kernels of Sources/CNNKernels/Generic are compiled once per instruction set, into
// CNNKernels for the baseline and (through a symbolic link) into one module per wider set built for that
// set's target CPU. Everything else is built for the architecture's baseline, so the same binary starts
// on any x86-64 and runs the widest kernels the CPU has. On other architectures the per-set modules
// hold no kernel set. (`x86-64-v4` is not accepted by this toolchain's C importer, hence the
// CPU names: haswell = AVX2 + FMA + BMI, skylake-avx512 = AVX-512 F/CD/BW/DQ/VL.)
#if arch(x86_64)
let avx2Target = ["-target-cpu", "haswell"]
let avx512Target = ["-target-cpu", "skylake-avx512"]
#else
let avx2Target: [String] = []
let avx512Target: [String] = []
#endif

// Release builds drop the runtime checks in numeric code; ops validate their inputs before any kernel runs.
let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
// The kernel modules are optimised in debug builds too: unoptimised generic SIMD code runs hundreds of
// times slower, and the test suite runs a debug build.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]

let package = Package(
    name: "cnns",
    products: [
        .executable(name: "cnns", targets: ["cnns"]),
        .library(name: "CNNKit", targets: ["CNNKit"]),
        .library(name: "CNNScript", targets: ["CNNScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // setjmp-based error handling for libpng and libjpeg lives in C: a longjmp across Swift frames is undefined.
        .target(name: "CImageShim", dependencies: ["CPNG", "CJPEG"], path: "Sources/CImageShim"),
        // CPUID and XGETBV, and the prefetch hints of the register block: no Swift spelling for either.
        .target(name: "CCPU", path: "Sources/CCPU"),
        .target(name: "CNNKernels", dependencies: ["CCPU"], swiftSettings: kernels + [.define("CNNKERNELS_MODULE")]),
        .target(name: "CNNKernelsAVX2", dependencies: ["CNNKernels", "CCPU"],
                swiftSettings: kernels + [.unsafeFlags(avx2Target)]),
        .target(name: "CNNKernelsAVX512", dependencies: ["CNNKernels", "CCPU"],
                swiftSettings: kernels + [.unsafeFlags(avx512Target)]),
        .target(name: "CNNKit",
                dependencies: ["CCPU", "CNNKernels", "CNNKernelsAVX2", "CNNKernelsAVX512", "CZlib", "CPNG", "CJPEG", "CImageShim"],
                swiftSettings: release),
        .target(name: "CNNScript", dependencies: ["CNNKit"]),
        .executableTarget(
            name: "cnns",
            dependencies: [
                "CNNKit", "CNNScript", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: release),
        // The AVX-512 block shape in AVX2 instructions, for the tests (Tests/CNNKernelsCheck says why).
        .target(name: "CNNKernelsCheck", dependencies: ["CNNKernels", "CCPU"], path: "Tests/CNNKernelsCheck",
                swiftSettings: kernels + [.unsafeFlags(avx2Target)]),
        // What several test suites share: the seeded generator, closeness, scratch directories, kernel sets.
        .target(name: "CNNTestSupport", dependencies: ["CNNKit", "CNNKernels", "CNNKernelsCheck"],
                path: "Tests/CNNTestSupport"),
        .testTarget(name: "CNNKitTests", dependencies: ["CNNKit", "CNNKernels", "CNNTestSupport"]),
        .testTarget(name: "CNNScriptTests", dependencies: ["CNNScript", "CNNKit", "CNNTestSupport"]),
        .testTarget(name: "cnnsTests", dependencies: ["cnns", "CNNTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
