import QMPCore
import Testing

/// Forms that porting Python's qemu.qmp examples asks for.
@Suite("Porting forms")
struct PortingFormsTests {
    @Test func stringsBuiltFromVariablesAreJSONStrings() {
        let jobID = "job1"
        let node = "src"
        let arguments: JSONObject = ["job-id": "\(jobID)", "device": "\(node)", "sync": "full"]
        #expect(arguments["job-id"] == .string("job1"))
        #expect(arguments["device"]?.stringValue == "src")
    }

    @Test func eventDataDecodesToATypedValue() throws {
        struct JobStatus: Decodable, Equatable { var id: String; var status: String }
        let event = Event(name: "JOB_STATUS_CHANGE", data: ["id": "job1", "status": "concluded"])
        #expect(try event.decodeData(as: JobStatus.self) == JobStatus(id: "job1", status: "concluded"))
        do {
            _ = try event.decodeData(as: [Int].self)
            Issue.record("decoded an object as an array")
        } catch {
            #expect(error.code == .decodingFailed)
            #expect(error.message.contains("JOB_STATUS_CHANGE"))
        }
    }

    @Test func anErrorReplyIsAnError() {
        let error: any Error = ErrorReply(errorClass: "GenericError", description: "nope")
        #expect((error as? ErrorReply)?.errorClass == "GenericError")
    }
}
