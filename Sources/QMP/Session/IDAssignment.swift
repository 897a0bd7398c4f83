import QMPCore

/// When the client may send one of its own commands without an id.
///
/// QEMU's monitor reads its input a byte at a time, so every byte of a command costs
/// it time (see ``CommandID``), and an id is a tenth of a short command. QEMU answers
/// in-band commands strictly in order and id-less commands without an id, so a
/// command with nothing else in flight needs none: its reply is the next id-less
/// one (id-less replies are matched in order, see ``PendingCommands``). Commands sent
/// while others are in flight get an id, and `exec-oob` ones always do, since
/// out-of-band replies overtake the rest. This is what go-qemu does for every
/// command; the ids of messages users send themselves are never touched.
enum IDAssignment {
    static func mayOmit(alone: Bool, outOfBand: Bool, guestAgent: GuestAgentPolicy? = nil) -> Bool {
        // A guest agent gets an id whenever it echoes them: a reply to a command that was
        // not waited for (see ``GuestAgentPolicy/noReplyCommands``) is then nobody's, not
        // the next id-less command's. One that echoes none is sent one command at a time.
        if let guestAgent { return !guestAgent.echoesIDs }
        return alone && !outOfBand
    }
}

extension Message {
    /// Adds `id` as the last member; the message must have none.
    mutating func appendID(_ id: JSONValue) {
        object.appendUnique(JSONObject.Member(key: "id", value: id))
    }
}
