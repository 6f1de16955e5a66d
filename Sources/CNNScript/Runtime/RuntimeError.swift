/// An error while running: a message, and the place when known. Builtins throw it without a place
/// for problems of the call as a whole; the interpreter then puts it at the call.
struct RuntimeError: Error {
    var message: String
    var pos: SourcePos?
    /// The file the position is in, when it is not the chunk being run (an error inside a function
    /// defined by an earlier script or entry).
    var file: String?
    init(_ message: String, at pos: SourcePos? = nil) {
        self.message = message
        self.pos = pos
    }
}
