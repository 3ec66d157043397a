// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Rehearse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rehearse", targets: ["rehearse"]),
        .library(name: "RehearseCore", targets: ["RehearseCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev); read event by event in Parser/YAML.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(
            name: "RehearseCore",
            dependencies: [
                "CYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "rehearse",
            dependencies: [
                "RehearseCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (bench/README.md): figures as ratios against a baseline measured in the same run.
        .executableTarget(
            name: "rehearse-bench",
            dependencies: ["RehearseCore", "CYAML"]
        ),
        .testTarget(
            name: "RehearseCoreTests",
            dependencies: [
                "RehearseCore",
                .product(name: "Crypto", package: "swift-crypto"),
                // Test oracle only: our libyaml event loader must build the same trees.
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
