// The header carries everything; SwiftPM needs one source file per C target.
