/// A FIFO queue that keeps each appended batch as a slice of the array it came in,
/// as long as that slice holds at least half of its array.
///
/// A source hands all its listeners the same batch array. Storing a slice of it
/// costs one reference per batch, however many events it holds; copying the
/// events in one by one cost two reference-count operations per event, per
/// listener and again per history, plus a release for each one evicted: a fifth
/// of the reader's time in an event flood.
///
/// The price is in memory: a slice keeps its whole array alive, read and unread
/// elements alike, and the array's spare capacity with them. Left unchecked, that let a
/// `bufferingOldest(100)` listener whose reader took one event per 1,000-event batch keep
/// 100 batches (a slice of one event each); and since the reader reserves each batch at
/// the size of the one before, a batch of 20 events after one of 100,000 was an array
/// of 100,000 slots, which a listener keeping those 20 kept whole. So the queue counts
/// what an array holds in slots, spare ones included, and a slice that would keep more
/// than twice its own elements' worth of slots alive is copied instead, when it is
/// appended and when ``removeFirst(_:)`` leaves little of it; every array the queue
/// keeps is then at most twice what it kept of it, and ``retainedCount`` at most twice
/// ``count`` plus what was read of the oldest batch (itself at most twice what the
/// queue took of it). A bounded policy thus bounds the memory too. ``popFirst()``
/// never copies: the reader's path stays free of reference counting.
///
/// A batch of fewer than ``smallestShared`` elements is copied as well, onto the
/// end of the newest segment when that is a copy with room. With a segment per
/// batch, a reader that got a few events per read (a quiet QEMU, a flood the
/// reader keeps up with) made a history of 1,000 events hold up to 1,000 segments,
/// and the ring of segments stayed at the largest size it ever reached for the
/// client's lifetime: rarer and rarer peaks, one after another, were the slow RSS
/// creep of the soak (`Benchmarks/run.sh --soak`). Now a queue holds at most about
/// one segment per ``smallestShared`` / 2 elements, and ``removeFirst(_:)`` (how a
/// history and a `bufferingNewest` queue drop their oldest) gives back the ring
/// slots a peak left.
struct SegmentedQueue<Element> {
    fileprivate struct Segment {
        var elements: ArraySlice<Element>
        /// How many element slots the array behind `elements` has, spare capacity included:
        /// what the segment keeps alive.
        var retained: Int
        /// An array the queue made itself, which later small batches may be added to.
        let isCopy: Bool
    }

    /// Batches smaller than this are copied rather than shared.
    static var smallestShared: Int { 16 }
    /// A copy grows by small batches up to this many elements.
    static var copyLimit: Int { 256 }
    /// Slots of the ring that ``removeFirst(_:)`` never gives back.
    static var retainedSegmentSlots: Int { 64 }

    /// Non-empty slices, oldest first.
    private var segments = RingBuffer<Segment>()
    private(set) var count = 0
    /// Element slots of the arrays the queue keeps: their elements, read or not, and their
    /// spare capacity (tests check the bound).
    private(set) var retainedCount = 0
    /// Segments kept, and slots of the ring that holds them (tests check the bound).
    var segmentCount: Int { segments.count }
    var segmentCapacity: Int { segments.capacity }

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(contentsOf batch: ArraySlice<Element>) {
        guard !batch.isEmpty else { return }
        // A slice does not tell how long its array is. But its `capacity` counts the
        // array's spare room only when the slice ends where the array does, so room to
        // spare proves the array is `endIndex` long. Without it the slice may be a prefix
        // of an array of any length: copy it (a batch that exactly fills its array is
        // copied needlessly, which costs time, never memory or correctness).
        let endsWithItsArray = batch.capacity > batch.count
        // Then the array has the elements before the slice, the slice, and the room after it.
        let slots = batch.startIndex + batch.capacity
        if batch.count >= Self.smallestShared && endsWithItsArray && batch.count * 2 >= slots {
            append(Segment(elements: batch, retained: slots, isCopy: false))
        } else if let grown = addToNewestCopy(batch) {
            count += batch.count
            retainedCount += grown
        } else {
            append(Self.copy(of: batch))
        }
    }

    /// Appends `batch` to the newest segment, in place, if that is a whole copy with room;
    /// returns how many slots its array grew by (`nil` when it was not added).
    private mutating func addToNewestCopy(_ batch: ArraySlice<Element>) -> Int? {
        segments.updateLast { segment -> Int? in
            guard segment.isCopy, segment.elements.startIndex == 0,
                  segment.elements.count + batch.count <= Self.copyLimit
            else { return nil }
            segment.elements.append(contentsOf: batch)
            // A whole array's slice: its capacity is the array's.
            let slots = segment.elements.capacity
            let grown = slots - segment.retained
            segment.retained = slots
            return grown
        } ?? nil
    }

    private mutating func append(_ segment: Segment) {
        segments.append(segment)
        count += segment.elements.count
        retainedCount += segment.retained
    }

    mutating func popFirst() -> Element? {
        guard let (element, drained, retained) = segments.updateFirst({ ($0.elements.popFirst(), $0.elements.isEmpty, $0.retained) })
        else { return nil }
        if drained {
            segments.removeFirst()
            retainedCount -= retained
        }
        if element != nil { count -= 1 }
        return element
    }

    /// Drops the `n` oldest elements, or all of them when there are fewer.
    mutating func removeFirst(_ n: Int) {
        var remaining = min(n, count)
        count -= remaining
        while remaining > 0, let (first, retained) = segments.updateFirst({ ($0.elements.count, $0.retained) }) {
            if first <= remaining {
                segments.removeFirst()
                retainedCount -= retained
                remaining -= first
            } else {
                let copied = segments.updateFirst { segment -> Int? in
                    segment.elements = segment.elements.dropFirst(remaining)
                    // What is left of a batch that is mostly dropped (a `bufferingNewest`
                    // listener's last few of a large batch) is copied rather than kept in it.
                    guard segment.elements.count * 2 < segment.retained else { return nil }
                    segment = Self.copy(of: segment.elements)
                    return retained - segment.retained
                }
                if let freed = copied ?? nil { retainedCount -= freed }
                remaining = 0
            }
        }
        // Not on `popFirst()`: a reader's queue fills and drains with every read.
        segments.shrink(toAtLeast: Self.retainedSegmentSlots)
    }

    private static func copy(of elements: ArraySlice<Element>) -> Segment {
        // Not `Array(elements)`: for a slice of a whole array that takes the array's storage
        // instead of copying, so a small batch in a large array was kept whole all the same.
        var copy: [Element] = []
        copy.reserveCapacity(elements.count)
        copy.append(contentsOf: elements)
        return Segment(elements: copy[...], retained: copy.capacity, isCopy: true)
    }

    /// The elements, oldest first.
    var elements: [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for segment in segments.elements { elements.append(contentsOf: segment.elements) }
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
        retainedCount = 0
    }
}

extension SegmentedQueue: Sendable where Element: Sendable {}
extension SegmentedQueue.Segment: Sendable where Element: Sendable {}
