// swift-tools-version: 6.2
// A Taskloop plugin package: two step kinds and the runner that knows them.
import PackageDescription

let package = Package(
    name: "word-tools",
    platforms: [.macOS(.v15)],
    dependencies: [
        // In your own package: .package(url: "https://github.com/<owner>/taskloop.git", from: "0.1.0")
        .package(name: "taskloop", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "word-tools",
            dependencies: [
                .product(name: "Taskloop", package: "taskloop"),
                .product(name: "TaskloopCLI", package: "taskloop"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
