/// Commands the shell runs itself instead of sending them to QEMU.
enum ShellCommands {
    static let names = ["qom-tree"]
}
