// swift-tools-version:6.0
import PackageDescription

// Vector kernels need an explicit target CPU: at Swift's default (x86-64 baseline) the SIMD16 code in
// CNNKit compiles to SSE and runs two orders of magnitude slower. Every machine of this project's kind
// is Zen 4, so release builds target it; debug builds keep the portable default.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "znver4"], .when(configuration: .release)),
]

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
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // setjmp-based error handling for libpng and libjpeg lives in C: a longjmp across Swift frames is undefined.
        .target(name: "CImageShim", dependencies: ["CPNG", "CJPEG"], path: "Sources/CImageShim"),
        .target(name: "CNNKit", dependencies: ["CBLAS", "CZlib", "CPNG", "CJPEG", "CImageShim"], swiftSettings: fastMath),
        .target(name: "CNNScript", dependencies: ["CNNKit"]),
        .executableTarget(
            name: "cnns",
            dependencies: [
                "CNNKit", "CNNScript", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath),
        .testTarget(name: "CNNKitTests", dependencies: ["CNNKit"]),
        .testTarget(name: "CNNScriptTests", dependencies: ["CNNScript", "CNNKit"]),
        .testTarget(name: "cnnsTests", dependencies: ["cnns"]),
    ],
    swiftLanguageModes: [.v5]
)
