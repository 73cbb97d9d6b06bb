import Foundation

/// What the kernel holds for a TCP socket on this machine, read from `/proc/net/tcp`: for tests
/// that check what a server leaves behind after it closes a connection (Linux only).
public struct KernelSocket: Sendable, Hashable {
    /// The TCP state (`01` established, `04` FIN_WAIT1, `06` TIME_WAIT, … as in the kernel's list).
    public var state: Int
    /// Bytes still queued for sending.
    public var sendQueue: Int

    /// The IPv4 socket whose local port is `local` and whose peer's port is `remote`, if the
    /// kernel still has one (a socket closed with a reset is gone at once; one closed with unsent
    /// data lingers as an orphan trying to deliver it).
    public static func find(localPort local: Int, remotePort remote: Int) -> KernelSocket? {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp") else { return nil }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 4,
                  let localPort = port(fields[1]), let remotePort = port(fields[2]),
                  localPort == local, remotePort == remote,
                  let state = Int(fields[3], radix: 16) else { continue }
            let queues = fields[4].split(separator: ":")
            let sendQueue = queues.first.flatMap { Int($0, radix: 16) } ?? 0
            return KernelSocket(state: state, sendQueue: sendQueue)
        }
        return nil
    }

    /// The port of an `ADDRESS:PORT` field (hexadecimal).
    private static func port(_ field: Substring) -> Int? {
        field.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}
