/// A QMP command as a value: its arguments as members, its name and result type as types.
///
/// `QMPTypes` has one for every command of QEMU's schema; conform your own for
/// commands it lacks:
///
/// ```swift
/// struct QueryKVM: QMPCommand {
///     static let name = "query-kvm"
///     struct Result: Decodable, Sendable { var enabled: Bool; var present: Bool }
/// }
/// let kvm = try await client.execute(QueryKVM())
/// ```
public protocol QMPCommand: Encodable, Sendable {
    /// What QEMU returns on success.
    associatedtype Result: Decodable & Sendable
    /// The command's name on the wire, e.g. `"query-status"`.
    static var name: String { get }
}
