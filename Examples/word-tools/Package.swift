// swift-tools-version: 6.2
// A Taskloop plugin package: two step kinds and the runner that knows them.
import PackageDescription

let package = Package(
    name: "word-tools",
    // Taskloop runs on Linux only, so no `platforms:` line is needed.
    dependencies: [
        // In your own package: a clone of Taskloop beside it, `.package(name: "taskloop", path: "../taskloop")`.
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
