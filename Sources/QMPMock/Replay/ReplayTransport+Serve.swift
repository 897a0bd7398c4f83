public import QMPCore

extension ReplayTransport {
    /// Plays this recording to a real client on `transport` (an accepted socket),
    /// forwarding in both directions until either side ends.
    public func serve(over transport: some Transport) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while let bytes = try await self.receive() { try await transport.send(bytes) }
                } catch {}
                await transport.close()
            }
            group.addTask {
                do {
                    while let bytes = try await transport.receive() { try await self.send(bytes) }
                } catch {}
                await self.close()
            }
        }
    }
}
