/// The numbered results of a session, after IPython: every value an expression statement echoes gets
/// the next number n, is shown as `Out[n]: …` when `numbered` (the interactive shell) and can be read
/// back as `_n`. Pipes and files keep `numbered` false so their output stays plain and parseable; the
/// numbers (and `_n`) still count there, so a piped transcript of a session behaves the same.
///
/// `_n` never hides a variable: the interpreter looks the program's own names up first, so a user who
/// assigned `_3` keeps it.
public struct OutputHistory {
    /// Prefix echoed values with `Out[n]:`.
    public var numbered = false
    /// The number the next echoed value gets.
    public private(set) var next = 1
    private var values: [Int: Value] = [:]

    public init(numbered: Bool = false) { self.numbered = numbered }

    /// Stores an echoed value; returns its number.
    mutating func record(_ value: Value) -> Int {
        let number = next
        values[number] = value
        next += 1
        return number
    }

    /// The value of `_n`, when `name` is `_` followed by the digits of a recorded output.
    func value(named name: String) -> Value? {
        guard name.count > 1, name.first == "_", let n = Int(name.dropFirst()),
              name.dropFirst().allSatisfy(\.isASCII), String(n) == name.dropFirst() else { return nil }
        return values[n]
    }

    /// The echo of output `number`: plain unless numbered; a value of several lines starts on the line
    /// after its label (as IPython prints arrays).
    func label(_ number: Int, _ text: String) -> String {
        guard numbered else { return text }
        return text.contains("\n") ? "Out[\(number)]:\n\(text)" : "Out[\(number)]: \(text)"
    }

    /// Forgets every output (`:reset`); numbering starts again at 1.
    mutating func clear() {
        values = [:]
        next = 1
    }
}
