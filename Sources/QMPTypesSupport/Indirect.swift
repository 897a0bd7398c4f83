/// A member stored out of line, so that a type can hold itself (`ImageInfo.backingImage`).
///
/// Coded as the value it holds; never seen by users, who get the value through a computed property.
package indirect enum Indirect<Value: Codable & Sendable>: Codable, Sendable {
    case value(Value)

    package init(_ value: Value) { self = .value(value) }

    package var value: Value {
        switch self { case .value(let value): value }
    }

    package init(from decoder: any Decoder) throws { self = .value(try Value(from: decoder)) }

    package func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
