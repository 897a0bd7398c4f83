/// A FIFO queue that keeps each appended batch as a slice of the array it came in.
///
/// A source hands all its listeners the same batch array. Storing a slice of it
/// costs one reference per batch, however many events it holds; copying the
/// events in one by one cost two reference-count operations per event, per
/// listener and again per history, plus a release for each one evicted: a fifth
/// of the reader's time in an event flood.
///
/// The price is in memory: an element stays alive, inside its batch, until every
/// element of that batch has been popped or dropped, so a queue may keep up to one
/// batch more than ``count`` says.
struct SegmentedQueue<Element> {
    /// Non-empty slices, oldest first.
    private var segments = RingBuffer<ArraySlice<Element>>()
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(contentsOf batch: ArraySlice<Element>) {
        guard !batch.isEmpty else { return }
        segments.append(batch)
        count += batch.count
    }

    mutating func popFirst() -> Element? {
        guard let (element, drained) = segments.updateFirst({ ($0.popFirst(), $0.isEmpty) }) else { return nil }
        if drained { segments.removeFirst() }
        if element != nil { count -= 1 }
        return element
    }

    /// Drops the `n` oldest elements, or all of them when there are fewer.
    mutating func removeFirst(_ n: Int) {
        var remaining = min(n, count)
        count -= remaining
        while remaining > 0, let first = segments.updateFirst({ $0.count }) {
            if first <= remaining {
                segments.removeFirst()
                remaining -= first
            } else {
                segments.updateFirst { $0 = $0.dropFirst(remaining) }
                remaining = 0
            }
        }
    }

    /// The elements, oldest first.
    var elements: [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for segment in segments.elements { elements.append(contentsOf: segment) }
        return elements
    }

    /// Removes every element and returns them, oldest first.
    mutating func removeAll() -> [Element] {
        defer { reset() }
        return elements
    }

    mutating func reset() {
        segments.reset()
        count = 0
    }
}

extension SegmentedQueue: Sendable where Element: Sendable {}
