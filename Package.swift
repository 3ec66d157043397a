// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Rehearse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rehearse", targets: ["RehearseCLI"]),
        // The pipeline façade: lint, plan, run, merge, auth as one call each.
        .library(name: "Rehearse", targets: ["Rehearse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // No default traits: "FullFoundation" links swift-corelibs-foundation (and its 34 MB of ICU
        // data) into the shipped binary, "ConfigurationSupport" swift-configuration; the demo needs neither.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/websocket-kit", from: "2.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev); read event by event in Parser/YAML.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // zlib and brotli decode `Content-Encoding: gzip/deflate/br` response bodies (Transport/ContentDecoding).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        // The stages, upstream first. A stage imports only what is upstream of it; the compiler
        // enforces the arrows (docs/architecture.md draws them).
        // Plan model, JSON values, paths and schemas, positions, versions, masking: plain values.
        .target(name: "RehearseModel"),
        // Diagnostics as data (code, severity, location, hint) and their one renderer.
        .target(name: "RehearseDiagnostics", dependencies: ["RehearseModel"]),
        // YAML (libyaml events) into positioned nodes, into plans and the suite config.
        .target(name: "RehearseParser", dependencies: ["RehearseModel", "RehearseDiagnostics", "CYAML"]),
        // Plans into the executable graph: names, selection, shards, lint.
        .target(name: "RehearseCompiler", dependencies: ["RehearseModel", "RehearseDiagnostics", "RehearseParser"]),
        // What a run produced: case results, outcomes, summaries, gates.
        .target(name: "RehearseResults", dependencies: ["RehearseModel", "RehearseCompiler"]),
        // The engine: scheduler, cases, expectations, shared auth, retry; transports as protocols.
        .target(
            name: "RehearseRuntime",
            dependencies: [
                "RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The real transports: AsyncHTTPClient (HTTP, decoding) and websocket-kit.
        .target(
            name: "RehearseTransportNIO",
            dependencies: [
                "RehearseModel", "RehearseRuntime", "CZlib", "CBrotli",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The transport sorts NIO's own error types into retry categories.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // WebSocket cases: websocket-kit is the client; NIOWebSocket for close codes,
                // NIOSSL to configure wss:// certificate verification (--insecure).
                .product(name: "WebSocketKit", package: "websocket-kit"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // The load client waits for NIOSSL's handshake-completed event.
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // Renderers of results: console, JSON, JUnit, Markdown, HTML, graph; merge of reports.
        .target(name: "RehearseReport", dependencies: ["RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults"]),
        // The façade: each command is one call that wires the stages.
        .target(
            name: "Rehearse",
            dependencies: [
                "RehearseModel", "RehearseDiagnostics", "RehearseParser", "RehearseCompiler", "RehearseResults",
                "RehearseRuntime", "RehearseTransportNIO", "RehearseReport",
            ]
        ),
        // The reference backend that tests and `rehearse demo` run plans against, in process.
        .target(
            name: "DemoServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Close codes of the WebSocket agent flow.
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The thin CLI: flags to one façade call, outcomes to exit codes.
        .executableTarget(
            name: "RehearseCLI",
            dependencies: [
                // The façade, and the value types its requests are made of; never the runtime or a transport.
                "Rehearse", "RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults", "RehearseReport",
                "DemoServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (bench/README.md): figures as ratios against a baseline measured in the same run.
        .executableTarget(
            name: "rehearse-bench",
            dependencies: [
                "Rehearse", "RehearseModel", "RehearseParser", "RehearseCompiler", "RehearseResults", "RehearseRuntime",
                "RehearseTransportNIO", "CYAML", "DemoServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The load benchmark's bare client loop (the baseline when wrk is not installed).
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RehearseCoreTests",
            dependencies: [
                "Rehearse", "RehearseModel", "RehearseDiagnostics", "RehearseParser", "RehearseCompiler", "RehearseResults",
                "RehearseRuntime", "RehearseTransportNIO", "RehearseReport",
                "DemoServer",
                // Tests compress bodies to check Content-Encoding decoding.
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // Real TLS errors, to check how the transport words them.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // Test oracle only: our libyaml event loader must build the same trees.
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "DemoServerTests",
            dependencies: [
                "DemoServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The shipped targets see a module's members only where they import it (SE-0444): otherwise
// Foundation's String extensions leak in through a dependency that imports Foundation, compile
// against FoundationEssentials, and link swift-corelibs-foundation and its ICU data (issue 20).
for target in package.targets where [.regular, .executable].contains(target.type) && target.name != "rehearse-bench" {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
