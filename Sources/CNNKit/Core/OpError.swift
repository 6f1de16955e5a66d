/// The error every engine op throws for bad shapes or parameters. `description` reads
/// `conv: kernel 5×5 does not fit padded input 3×3 (H=3, pad=0)`: the op, then what it got and needed.
public struct OpError: Error, CustomStringConvertible, Equatable, Sendable {
    public let op: String
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }
}
