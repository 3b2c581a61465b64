// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "DramaWire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dramawire-ingest", targets: ["dramawire-ingest"]),
        .executable(name: "dramawire-subscriber", targets: ["dramawire-subscriber"]),
        .executable(name: "dramawire", targets: ["dramawire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C shim over Debian's libpq-dev.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Thin, domain-free wrapper over libpq: connections on their own serial executors.
        .target(
            name: "LibPQ",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The line protocol: framing, requests, replies, error codes, JSON values.
        .target(
            name: "LineProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        // The TCP side shared by both services: accept loop, greeting, limits, line writer.
        .target(
            name: "LineServer",
            dependencies: [
                "LineProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Prometheus metrics over HTTP (swift-metrics API, swift-prometheus registry).
        .target(
            name: "ServiceMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Facts from article text: sentences, mentions, patterns, dates in KST. Pure Swift, no I/O.
        // The lists in KnowledgeBase/ are compiled in (KnowledgeBaseData.swift, generated from them).
        .target(name: "DramaExtract", exclude: ["KnowledgeBase"]),
        // Pure domain: names, news items, validation, fact resolution, change records. No I/O.
        .target(
            name: "DramaDomain",
            dependencies: ["LineProtocol", "DramaExtract"]
        ),
        // The ingest side's PostgreSQL store: schema, migrations, the write path and the change log.
        .target(
            name: "PostgresStore",
            dependencies: [
                "LibPQ", "DramaDomain", "LineProtocol",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // C shim over the system SQLite that GRDB links: the one process-wide setting we change.
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The subscriber's SQLite read model (GRDB, WAL): applying change records, documents, queries.
        .target(
            name: "SQLiteStore",
            dependencies: [
                "CSQLite", "DramaDomain", "LineProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A small async client for the line protocol (CLI, subscriber, tests).
        .target(
            name: "DramaWireClient",
            dependencies: [
                "LineProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The ingest service: TCP server, group commit, SUBSCRIBE streaming.
        .target(
            name: "IngestService",
            dependencies: [
                "LineProtocol", "LineServer", "DramaDomain", "PostgresStore", "LibPQ", "ServiceMetrics",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The subscriber service: follows the change log into the read model, answers queries and watches.
        .target(
            name: "SubscriberService",
            dependencies: [
                "LineProtocol", "LineServer", "SQLiteStore", "DramaWireClient", "DramaDomain", "ServiceMetrics",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The CLI's commands, as a library so that tests can drive them.
        .target(
            name: "DramaWireCLI",
            dependencies: [
                "DramaWireClient", "LineProtocol", "DramaDomain", "SQLiteStore", "SubscriberService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "dramawire-ingest",
            dependencies: [
                "IngestService", "LineServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "dramawire-subscriber",
            dependencies: [
                "SubscriberService", "LineServer", "SQLiteStore", "DramaWireClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "dramawire",
            dependencies: ["DramaWireCLI"]
        ),
        // The fuzz targets' properties, as a library the regression tests replay the corpus through.
        .target(
            name: "DramaFuzz",
            dependencies: [
                "LineProtocol", "DramaDomain", "DramaExtract",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .target(name: "TestUtilities", path: "Tests/TestUtilities"),
        .target(
            name: "TestSupport",
            dependencies: [
                "LibPQ", "PostgresStore", "IngestService", "DramaWireClient", "LineProtocol", "SubscriberService",
                "SQLiteStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "LineProtocolTests",
            dependencies: [
                "LineProtocol", "TestUtilities",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["DramaFuzz"]),
        .testTarget(name: "DramaExtractTests", dependencies: ["DramaExtract"]),
        .testTarget(
            name: "FaultTests",
            dependencies: ["TestSupport", "TestUtilities", "DramaWireClient", "LineProtocol"]
        ),
        .testTarget(
            name: "DramaDomainTests", dependencies: ["DramaDomain", "DramaExtract", "LineProtocol", "TestUtilities"]
        ),
        .testTarget(
            name: "IngestIntegrationTests",
            dependencies: [
                "TestSupport", "TestUtilities", "LibPQ", "PostgresStore", "IngestService", "DramaWireClient",
                "LineProtocol", "DramaDomain",
            ]
        ),
        .testTarget(
            name: "SubscriberIntegrationTests",
            dependencies: [
                "TestSupport", "TestUtilities", "SubscriberService", "SQLiteStore", "DramaWireClient", "LineProtocol",
                "DramaDomain", "LineServer", "DramaWireCLI",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer entry points have no `main`, so they link only with --sanitize=fuzzer; they join the
// package only when asked for (deploy/dev fuzz sets DRAMAWIRE_FUZZ=1).
if Context.environment["DRAMAWIRE_FUZZ"] == "1" {
    for name in ["fuzz-line", "fuzz-news-item", "fuzz-extract"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["DramaFuzz"]))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
