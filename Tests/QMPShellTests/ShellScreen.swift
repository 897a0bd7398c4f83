import Foundation
import QMPTestSupport

/// A qmp-shell on a terminal whose output the test reads as it comes, so it can wait for
/// what the shell shows before it types: keys typed before the shell reads the terminal
/// in raw mode meet the kernel's line discipline instead.
protocol ShellScreen {
    /// Everything the shell wrote to the terminal so far.
    var screen: String { get }
}

extension ShellScreen {
    /// How long the shell may take to show something: a loaded machine runs the whole suite,
    /// perhaps under a sanitizer, and a shell against QEMU waits for QEMU too.
    static var patience: Duration { .seconds(60) }

    /// What stays on screen of each line (see ``ShellSimulatorTerminalTests/visible(_:)``).
    var visibleScreen: String { ShellSimulatorTerminalTests.visible(screen) }

    /// Waits until the screen shows `text` (its visible lines when `visible`).
    func waitFor(_ text: String, visible: Bool = false) async throws {
        let shown = { visible ? visibleScreen : screen }
        try await waitUntil("the screen shows '\(text)'; it shows: \(screen.debugDescription)", within: Self.patience) {
            shown().contains(text)
        }
    }

    /// Waits until the `count`-th prompt shows (a command's or, inside a transaction,
    /// an action's), the sign the shell reads a line again.
    func waitForPrompt(number count: Int) async throws {
        try await waitUntil("prompt number \(count) shows; the screen shows: \(screen.debugDescription)", within: Self.patience) {
            ["(QEMU) ", "TRANS> "].map { visibleScreen.components(separatedBy: "\r\n" + $0).count - 1 }.reduce(0, +) >= count
        }
    }
}
