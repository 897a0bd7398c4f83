/// What Tab can put in place of the word before the cursor.
struct Completion: Equatable {
    /// Where that word starts, in characters of the text before the cursor.
    var wordStart: Int
    /// The words that fit, sorted, each with what follows it when chosen: a space after a
    /// command name, `=` after an argument, `.` after an argument that is an object.
    var candidates: [String]

    /// The text the word becomes: the only candidate, or what all candidates start with.
    var insertion: String? {
        guard var common = candidates.first else { return nil }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(common) { common.removeLast() }
        }
        return common
    }

    /// The candidates as a list shows them: without the trailing space.
    var listed: [String] {
        candidates.map { $0.hasSuffix(" ") ? String($0.dropLast()) : $0 }
    }
}
