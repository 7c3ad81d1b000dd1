// swift-tools-version: 6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "taskloop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Taskloop", targets: ["Taskloop"]),
        .library(name: "TaskloopCLI", targets: ["TaskloopCLI"]),
        .executable(name: "taskloop", targets: ["taskloop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .target(name: "CTaskloopShims"),
        .target(
            name: "Taskloop",
            dependencies: [
                "CTaskloopShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TaskloopCLI",
            dependencies: [
                "Taskloop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "taskloop",
            dependencies: ["TaskloopCLI"],
            swiftSettings: strictSettings,
            // Linked with `--static-swift-stdlib`, the toolchain exports every
            // symbol of every module (35,000) to the dynamic symbol table,
            // which nothing here looks up; each start then pays for it in the
            // dynamic loader and in the runtime's one `dladdr`. Only this
            // executable target carries the flag: the `Taskloop` and
            // `TaskloopCLI` products that plugin packages depend on have none.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux]))]
        ),
        .target(
            name: "TaskloopTestServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TaskloopTestServer",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "taskloop-test-server",
            dependencies: ["TaskloopTestServer"],
            path: "Benchmarks/TestServer",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "taskloop-yaml-floor",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Benchmarks/YAMLFloor",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "taskloop-task-floor",
            dependencies: [
                "Taskloop",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/TaskFloor",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "taskloop-fuzz",
            dependencies: ["Taskloop"],
            path: "Benchmarks/Fuzz",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TaskloopTests",
            dependencies: ["Taskloop", "TaskloopTestServer", "taskloop", .product(name: "NIOEmbedded", package: "swift-nio")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Taskloop", "taskloop", "TaskloopTestServer"],
            swiftSettings: strictSettings
        ),
    ]
)
