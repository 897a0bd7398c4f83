import FuzzSupport
import QMP

// The framer and the parser over one byte stream, the whole input, fed at once,
// in chunks the input's hash decides and one byte at a time. Whatever the
// chunking, the same frames and the same messages (or the same error at the same
// place) must come out; a message must survive serialise -> parse unchanged; and
// the event fast path must agree with the generic parser.

/// Small enough that inputs of libFuzzer's default length reach the size limit.
let maxMessageSize = 2048

enum Outcome<Value: Equatable>: Equatable {
    case value(Value)
    case failure(QMPError.Code)
}

/// Feeds `pieces` one after another, taking out everything `next` returns after each;
/// stops at the first error, as a session does.
func drain<Value>(_ pieces: [ArraySlice<UInt8>], _ next: (inout MessageFramer) throws -> Value?) -> [Outcome<Value>] {
    var framer = MessageFramer(maxMessageSize: maxMessageSize)
    var outcomes: [Outcome<Value>] = []
    for piece in pieces {
        framer.append(Array(piece))
        while true {
            do {
                guard let value = try next(&framer) else { break }
                outcomes.append(.value(value))
            } catch let error as QMPError {
                outcomes.append(.failure(error.code))
                // Only a message past the limit ends the stream; a malformed frame is skipped.
                if error.code == .messageTooLarge { return outcomes }
            } catch {
                require(false, "a framer threw \(error), not a QMPError")
            }
        }
    }
    return outcomes
}

func frames(_ pieces: [ArraySlice<UInt8>]) -> [Outcome<[UInt8]>] {
    drain(pieces) { try $0.nextFrame().map(Array.init) }
}

func messages(_ pieces: [ArraySlice<UInt8>]) -> [Outcome<Message>] {
    drain(pieces) { try $0.nextMessage()?.message }
}

func parsed(_ pieces: [ArraySlice<UInt8>]) -> [Outcome<MessageFramer.Parsed>] {
    drain(pieces) { try $0.nextParsed()?.parsed }
}

func checkRoundTrip(_ message: Message) {
    for bytes in [message.serializedBytes(), JSONValue.object(message.object).serializedBytesQEMUStyle()] {
        let reparsed: Message
        do {
            reparsed = try Message(parsing: bytes)
        } catch {
            require(false, "serialised \(message) does not parse: \(error)")
            return
        }
        require(reparsed == message, "round trip changed \(message) into \(reparsed)")
        require(reparsed.serializedBytes() == message.serializedBytes(), "serialising \(message) is not stable")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFramer(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        let whole = [bytes[...]]
        let split = chunks(of: bytes, seed: fnv1a(bytes))
        let single = bytes.indices.map { bytes[$0...$0] }

        let expectedFrames = frames(whole)
        require(frames(split) == expectedFrames, "frames differ when the stream is split")
        require(frames(single) == expectedFrames, "frames differ when the stream comes byte by byte")

        // Each frame parsed alone is what the framer's own parsing must give.
        let expectedMessages = expectedFrames.map { frame -> Outcome<Message> in
            switch frame {
            case .failure(let code): return .failure(code)
            case .value(let bytes): return attempt { try Message(parsing: bytes) }
            }
        }
        for pieces in [whole, split, single] {
            require(messages(pieces) == expectedMessages, "nextMessage differs from parsing each frame")
        }

        for pieces in [whole, split] {
            let fast = parsed(pieces)
            require(fast.count == expectedMessages.count, "nextParsed returned \(fast.count) results, not \(expectedMessages.count)")
            for (result, expected) in zip(fast, expectedMessages) {
                switch (result, expected) {
                case (.value(.event(let event)), .value(let message)):
                    require((try? Event(message)) == event, "the event fast path read \(event) from \(message)")
                    require(event.message == message, "the fast path's event \(event) rebuilds another message than \(message)")
                case (.value(.message(let message)), _):
                    require(.value(message) == expected, "nextParsed read \(message), nextMessage \(expected)")
                default:
                    require(result == expected.map(MessageFramer.Parsed.message), "nextParsed failed differently")
                }
            }
        }

        for case .value(let message) in expectedMessages { checkRoundTrip(message) }
        if let value = try? JSONParser.parse(bytes), case .object(let object) = value {
            checkRoundTrip(Message(object))
        }
    }
}

/// The value `body` returns, or the code of the ``QMPError`` it throws.
func attempt<Value>(_ body: () throws -> Value) -> Outcome<Value> {
    do {
        return .value(try body())
    } catch let error as QMPError {
        return .failure(error.code)
    } catch {
        require(false, "threw \(error), not a QMPError")
        return .failure(.malformedMessage)
    }
}

extension Outcome {
    func map<Other>(_ transform: (Value) -> Other) -> Outcome<Other> {
        switch self {
        case .value(let value): return .value(transform(value))
        case .failure(let code): return .failure(code)
        }
    }
}
