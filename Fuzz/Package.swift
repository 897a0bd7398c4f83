// swift-tools-version:5.4
// libFuzzer targets, one executable each, in a package of their own so the library
// keeps zero dependencies. Tools version 5.4 on purpose: from 5.5 SwiftPM renames an
// executable's `main`, which clashes with the `main` libFuzzer links in. Build and run
// them with Scripts/fuzz.
import PackageDescription

let qmp: [Target.Dependency] = [
    .product(name: "QMP", package: "swift-qmp"),
    .product(name: "QMPMock", package: "swift-qmp"),
    "FuzzSupport",
]

let package = Package(
    name: "swift-qmp-fuzz",
    dependencies: [.package(name: "swift-qmp", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "QMP", package: "swift-qmp"),
            .product(name: "QMPMock", package: "swift-qmp"),
        ]),
        .executableTarget(name: "FuzzFramer", dependencies: qmp),
        .executableTarget(name: "FuzzSession", dependencies: qmp),
        .executableTarget(name: "FuzzGuestAgentHandshake", dependencies: qmp),
        .executableTarget(name: "FuzzTranscript", dependencies: qmp),
        // CommandLineSyntax*.swift are symlinks to qmp-shell's own files: the shell is an
        // executable target, which no other package can import.
        .executableTarget(name: "FuzzShellSyntax", dependencies: qmp),
    ]
)
