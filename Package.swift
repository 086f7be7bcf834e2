// swift-tools-version:6.1
// ztisup: PBX-to-CRM call events (Asterisk AMI, Avaya AES DMCC) for Zoho PhoneBridge and webhooks.

import PackageDescription

let package = Package(
    name: "ztisup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ztisup", targets: ["ztisup"]),
        .executable(name: "zti-pbxsim", targets: ["zti-pbxsim"]),
        .executable(name: "ztisup-worker", targets: ["ztisup-worker"]),
        .library(name: "ZTICore", targets: ["ZTICore"]),
        .library(name: "ZTISystemd", targets: ["ZTISystemd"]),
        .library(name: "ZTIAsterisk", targets: ["ZTIAsterisk"]),
        .library(name: "ZTIUploader", targets: ["ZTIUploader"]),
        .library(name: "ZTISupervisor", targets: ["ZTISupervisor"]),
        .library(name: "ZTIAvaya", targets: ["ZTIAvaya"]),
        .library(name: "ZTIWorker", targets: ["ZTIWorker"]),
        .library(name: "ZTILink", targets: ["ZTILink"]),
        .library(name: "ZTIProcess", targets: ["ZTIProcess"]),
        .library(name: "ZTIMetrics", targets: ["ZTIMetrics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(name: "ZTICore"),
        .target(
            name: "ZTIAsterisk",
            dependencies: [
                "ZTILink",
                "ZTICore",
                "CLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZTIAvaya",
            dependencies: [
                "ZTILink",
                "ZTICore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CLinux"),
        .target(name: "ZTITestKit", dependencies: ["ZTIProcess", "ZTISupervisor", "ZTICore"]),
        // The process boundaries: a worker (one group's PBX link), a deliberately dumb supervisor that knows
        // neither PBX stack, and the uploader; they share only ZTICore's frames over ZTILink.
        .target(name: "ZTIProcess", dependencies: ["CLinux", "ZTICore"]),
        .target(
            name: "ZTILink",
            dependencies: [
                "ZTICore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ZTIMetrics",
            dependencies: [
                "ZTICore", "ZTILink",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZTIWorker",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "CLinux",
                "ZTISystemd",
                "ZTICore",
                "ZTILink",
                "ZTIAsterisk",
                "ZTIAvaya",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZTISupervisor",
            dependencies: [
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "ZTICore",
                "ZTILink",
                "ZTIProcess",
                "ZTISystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZTIUploader",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "ZTILink",
                "ZTICore",
                "ZTISystemd",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "ZTIPBXSim",
            dependencies: [
                "ZTILink",
                "ZTIAsterisk",
                "ZTIAvaya",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "zti-pbxsim",
            dependencies: [
                "ZTILink",
                "ZTIPBXSim",
                "ZTIAsterisk",
                "ZTIAvaya",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ZTISystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ztisup",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "ZTICore",
                "CLinux",
                "ZTIAsterisk",
                "ZTIUploader",
                "ZTISupervisor",
                "ZTIWorker",
                "ZTIProcess",
                "ZTISystemd",
                "ZTIAvaya",
                "ZTIMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "ztisup-worker",
            dependencies: ["ZTIWorker"]),
        .executableTarget(
            name: "zti-bench",
            dependencies: [
                "ZTICore", "ZTIAsterisk", "ZTIAvaya", "ZTIUploader", "ZTIPBXSim", "ZTITestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/zti-bench"),
        .testTarget(name: "ZTICoreTests", dependencies: ["ZTICore", "ZTITestKit"]),
        .testTarget(
            name: "ZTIAsteriskTests",
            dependencies: [
                "ZTIAsterisk", "ZTICore", "ZTITestKit", "ZTIPBXSim", .product(name: "Logging", package: "swift-log"),
            ],
            // Read from the source tree by path (the replay and benchmark use them too), not bundled.
            exclude: ["Transcripts", "Scenarios"]
        ),
        .testTarget(
            name: "ZTISystemdTests",
            dependencies: [
                "ZTISystemd", "ZTITestKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ZTIUploaderTests",
            dependencies: [
                "ZTIUploader", "ZTICore", .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ZTIAvayaTests",
            dependencies: [
                "ZTIAvaya", "ZTICore", "ZTIPBXSim", "ZTITestKit", .product(name: "Logging", package: "swift-log"),
            ],
            // Read from the source tree by path (the replay tests use them too), not bundled.
            exclude: ["Scenarios"]),
        .testTarget(name: "ZTISupervisorTests", dependencies: ["ZTISupervisor", "ZTICore", "ZTITestKit"]),
        .testTarget(name: "ZTIWorkerTests", dependencies: ["ZTIWorker", "ZTICore"]),
        .testTarget(
            name: "ztisupTests",
            dependencies: ["ztisup", "zti-pbxsim", "ZTICore", "ZTISupervisor", "ZTIProcess", "ZTITestKit"]),
    ],
    swiftLanguageModes: [.v6]
)
