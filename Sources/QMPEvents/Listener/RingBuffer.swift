/// A FIFO queue over a circular buffer: the batches of a ``SegmentedQueue``, and the
/// session's line of commands sent without an id.
///
/// Popping moves the element out of its slot, so it costs no reference counting,
/// unlike an array with a moving head index (which also kept popped elements
/// alive until it was compacted). The storage is kept when the queue drains,
/// since a flood fills and drains it once per socket read and reallocating every
/// time showed up in profiles, unless a burst grew it past ``retainedCapacity``.
package struct RingBuffer<Element> {
    private var slots: ContiguousArray<Element?> = []
    /// Index of the oldest element in `slots`.
    private var head = 0
    package private(set) var count = 0

    /// Slots kept across a drain; a larger ring (left by a burst) is given back.
    static var retainedCapacity: Int { 65_536 }

    package init() {}

    var isEmpty: Bool { count == 0 }

    /// Slots allocated.
    var capacity: Int { slots.count }

    package mutating func append(_ element: Element) {
        if count == slots.count { grow(toHold: count + 1) }
        slots[wrapped(head + count)] = element
        count += 1
    }

    package mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head].take()
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        if count == 0 {
            head = 0
            if slots.count > Self.retainedCapacity { slots = [] }
        }
        return element
    }

    /// Runs `body` on the oldest element in place (moved out and back, so no copy);
    /// `nil` when the queue is empty.
    mutating func updateFirst<Result>(_ body: (inout Element) -> Result) -> Result? {
        guard count > 0, var first = slots[head].take() else { return nil }
        defer { slots[head] = first }
        return body(&first)
    }

    /// Runs `body` on the newest element in place, as ``updateFirst(_:)`` does on the oldest.
    mutating func updateLast<Result>(_ body: (inout Element) -> Result) -> Result? {
        guard count > 0 else { return nil }
        let index = wrapped(head + count - 1)
        guard var last = slots[index].take() else { return nil }
        defer { slots[index] = last }
        return body(&last)
    }

    /// Drops the oldest element, if any.
    mutating func removeFirst() {
        _ = popFirst()
    }

    /// The elements, oldest first.
    var elements: [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(count)
        var index = head
        for _ in 0..<count {
            if let element = slots[index] { elements.append(element) }
            index += 1
            if index == slots.count { index = 0 }
        }
        return elements
    }

    /// Removes every element and gives the storage back.
    mutating func reset() {
        slots = []
        head = 0
        count = 0
    }

    /// `index` folded back into `slots`; callers never pass twice the capacity or more.
    private func wrapped(_ index: Int) -> Int {
        index >= slots.count ? index - slots.count : index
    }

    private mutating func grow(toHold needed: Int) {
        var capacity = Swift.max(16, slots.count * 2)
        while capacity < needed { capacity *= 2 }
        move(toCapacity: capacity)
    }

    /// Halves the storage while at most a quarter of it is used, down to `minimum` slots:
    /// for a queue that lives long and never drains (a listener's history), whose ring
    /// would otherwise stay as large as the most it ever held.
    mutating func shrink(toAtLeast minimum: Int) {
        var capacity = slots.count
        while capacity / 2 >= minimum && count * 4 <= capacity { capacity /= 2 }
        if capacity < slots.count { move(toCapacity: capacity) }
    }

    private mutating func move(toCapacity capacity: Int) {
        var moved = ContiguousArray<Element?>()
        moved.reserveCapacity(capacity)
        var index = head
        for _ in 0..<count {
            moved.append(slots[index].take())
            index = wrapped(index + 1)
        }
        moved.append(contentsOf: repeatElement(nil, count: capacity - count))
        slots = moved
        head = 0
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
