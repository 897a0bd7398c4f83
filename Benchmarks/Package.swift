// swift-tools-version: 6.0
// Benchmarks live in their own package so the library keeps zero dependencies
// and the root `swift build` never builds them.
import PackageDescription

let package = Package(
    name: "swift-qmp-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "swift-qmp", path: "..")],
    targets: [
        .executableTarget(
            name: "qmp-bench",
            dependencies: [
                .product(name: "QMP", package: "swift-qmp"),
                .product(name: "QMPTransportUnix", package: "swift-qmp"),
                .product(name: "QMPMock", package: "swift-qmp"),
                "CMalloc",
            ],
        ),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    ]
)
