// swift-tools-version: 6.0
import PackageDescription

// Upcoming features every target opts into: explicit `any`, imports that
// must be visible where members are used, and internal imports by default so
// no target leaks its dependencies into its public API by accident.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-qmp",
    products: [
        .library(name: "QMP", targets: ["QMP"]),
        .library(name: "QMPCore", targets: ["QMPCore"]),
        .library(name: "QMPEvents", targets: ["QMPEvents"]),
        .library(name: "QMPTransportUnix", targets: ["QMPTransportUnix"]),
        .library(name: "QMPTransportTCP", targets: ["QMPTransportTCP"]),
        .library(name: "QMPMock", targets: ["QMPMock"]),
        .library(name: "QMPTypes", targets: ["QMPTypes"]),
        .library(name: "QMPGuestAgentTypes", targets: ["QMPGuestAgentTypes"]),
        .executable(name: "qmp-shell", targets: ["qmp-shell"]),
        .executable(name: "qmp-simulator", targets: ["qmp-simulator"]),
        .executable(name: "qmp-codegen", targets: ["qmp-codegen"]),
    ],
    targets: [
        .target(
            name: "QMPCore",
            swiftSettings: strictSettings,
            // Double rounding (`Int64(exactly:)`) calls into libm.
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(name: "QMPEvents", dependencies: ["QMPCore"], swiftSettings: strictSettings),
        .target(name: "QMP", dependencies: ["QMPCore", "QMPEvents"], swiftSettings: strictSettings),
        // epoll and the CMSG macros, which Swift's Glibc module does not export.
        .target(name: "CQMPSystem"),
        .target(name: "QMPSocketSupport", dependencies: ["QMPCore", "CQMPSystem"], swiftSettings: strictSettings),
        .target(name: "QMPTransportUnix", dependencies: ["QMPCore", "QMPSocketSupport"], swiftSettings: strictSettings),
        .target(name: "QMPTransportTCP", dependencies: ["QMPCore", "QMPSocketSupport"], swiftSettings: strictSettings),
        .target(name: "QMPMock", dependencies: ["QMPCore"], swiftSettings: strictSettings),
        // The generated types of every QMP command and event: a product of its own, so only
        // those who import it compile it. `qmp-codegen` writes Generated/ from Facts/ and the schema.
        .target(name: "QMPTypes", dependencies: ["QMP", "QMPTypesSupport"], swiftSettings: strictSettings),
        // The same for the guest agent, generated from its reference manual alone (it has no schema).
        .target(name: "QMPGuestAgentTypes", dependencies: ["QMP", "QMPTypesSupport"], swiftSettings: strictSettings),
        // What the generated code of both shares: catch-all enums, alternates' JSON kinds, `{}`.
        .target(name: "QMPTypesSupport", dependencies: ["QMPCore"], swiftSettings: strictSettings),
        .executableTarget(name: "qmp-codegen", dependencies: ["QMPCore", "QMPChildProcess"], exclude: ["Facts/Data"], swiftSettings: strictSettings),
        // Starting QEMU so that it dies with qmp-shell or the tests, even by SIGKILL or a crash:
        // the tools' and tests' own, not the library's.
        .target(name: "CQMPSpawn"),
        .target(name: "QMPChildProcess", dependencies: ["CQMPSpawn", "QMPCore"], swiftSettings: strictSettings),
        .executableTarget(
            name: "qmp-shell",
            dependencies: ["QMP", "QMPTransportUnix", "QMPTransportTCP", "QMPMock", "QMPChildProcess"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "qmp-simulator",
            // QMPSocketSupport and CQMPSystem for the recording proxy, which passes descriptors both ways.
            dependencies: ["QMPMock", "QMPTransportUnix", "QMPTransportTCP", "QMPChildProcess", "QMPSocketSupport", "CQMPSystem"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "QMPTestSupport",
            dependencies: ["QMP", "QMPTransportUnix", "QMPTransportTCP", "QMPMock", "QMPChildProcess", "QMPSocketSupport"],
            path: "Tests/QMPTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QMPCoreTests",
            dependencies: ["QMPCore", "QMPTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "QMPEventsTests", dependencies: ["QMPEvents", "QMPTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "QMPTests", dependencies: ["QMP", "QMPTransportUnix", "QMPTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "QMPTransportTests",
            dependencies: ["QMP", "QMPTransportUnix", "QMPTransportTCP", "QMPSocketSupport", "QMPTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QMPMockTests",
            dependencies: ["QMP", "QMPMock", "QMPTransportUnix", "QMPTransportTCP", "QMPChildProcess", "QMPSocketSupport", "QMPTestSupport"],
            exclude: ["Transcripts"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QMPTypesTests",
            dependencies: [
                "QMP", "QMPTypes", "QMPGuestAgentTypes", "QMPMock", "QMPTransportUnix", "QMPChildProcess", "QMPTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QMPShellTests",
            dependencies: ["qmp-shell", "QMP", "QMPTransportUnix", "QMPChildProcess", "QMPTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
