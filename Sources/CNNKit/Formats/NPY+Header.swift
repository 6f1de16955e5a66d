// header text → (descr, fortran_order, shape)

/// The dict at the start of a `.npy` file, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
/// read by a small parser for the Python literals that can appear there: strings, True/False,
/// integers, tuples, lists and dicts. Nothing is evaluated.
struct NPYHeader {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    indirect enum Value {
        case string(String), bool(Bool), int(Int), none
        case tuple([Value]), dict([(String, Value)])
    }

    static func parse(_ text: String) throws -> NPYHeader {
        var parser = Parser(chars: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.pos == parser.chars.count else { throw parser.fail("unexpected text after the dict") }
        guard case .dict(let entries) = value else {
            throw OpError("load", ".npy header is not a dict: \(String(text.prefix(60)))")
        }
        var descr: String?, fortran: Bool?, shape: [Int]?
        for (key, v) in entries {
            switch (key, v) {
            case ("descr", .string(let s)): descr = s
            case ("descr", _): throw OpError("load", ".npy structured or non-string dtypes are not supported")
            case ("fortran_order", .bool(let b)): fortran = b
            case ("shape", .tuple(let items)):
                shape = try items.map {
                    guard case .int(let d) = $0 else { throw OpError("load", ".npy shape must hold integers") }
                    guard d >= 0 else { throw OpError("load", ".npy shape has a negative dimension \(d)") }
                    return d
                }
            default:
                throw OpError("load", ".npy header has an unexpected key or value for '\(key)'")
            }
        }
        guard let descr, let fortran, let shape else {
            throw OpError("load", ".npy header must contain 'descr', 'fortran_order' and 'shape'")
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var pos = 0

        func fail(_ what: String) -> OpError {
            OpError("load", ".npy header is malformed: \(what) at character \(pos)")
        }

        mutating func skipSpace() {
            while pos < chars.count, chars[pos] == " " || chars[pos] == "\n" || chars[pos] == "\t" || chars[pos] == "\r" { pos += 1 }
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            skipSpace()
            guard pos < chars.count, chars[pos] == c else { throw fail("expected '\(c)'") }
            pos += 1
        }

        /// Peeks past spaces: the next character, or nil at the end.
        mutating func peek() -> Unicode.Scalar? {
            skipSpace()
            return pos < chars.count ? chars[pos] : nil
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < 16 else { throw fail("nesting too deep") }
            guard let c = peek() else { throw fail("unexpected end") }
            switch c {
            case "'", "\"": return .string(try string())
            case "{":
                pos += 1
                var entries: [(String, Value)] = []
                while peek() != "}" {
                    guard peek() == "'" || peek() == "\"" else { throw fail("expected a string key") }
                    let key = try string()
                    try expect(":")
                    entries.append((key, try value(depth: depth + 1)))
                    if peek() == "," { pos += 1 } else { break }
                }
                try expect("}")
                return .dict(entries)
            case "(", "[":
                let close: Unicode.Scalar = c == "(" ? ")" : "]"
                pos += 1
                var items: [Value] = []
                while peek() != close {
                    items.append(try value(depth: depth + 1))
                    if peek() == "," { pos += 1 } else { break }
                }
                try expect(close)
                return .tuple(items)
            default:
                return try word()
            }
        }

        mutating func string() throws -> String {
            let quote = chars[pos]
            pos += 1
            var s = ""
            while pos < chars.count, chars[pos] != quote {
                if chars[pos] == "\\" { throw fail("escapes in strings are not supported") }
                s.unicodeScalars.append(chars[pos])
                pos += 1
            }
            guard pos < chars.count else { throw fail("unterminated string") }
            pos += 1
            return s
        }

        /// True, False, None or an integer (with an optional L suffix, as Python 2 wrote shapes).
        mutating func word() throws -> Value {
            let begin = pos
            while pos < chars.count, chars[pos] == "-" || chars[pos] == "+" || chars[pos] == "_"
                    || chars[pos].properties.isAlphabetic || ("0"..."9").contains(chars[pos]) {
                pos += 1
            }
            var w = String(String.UnicodeScalarView(chars[begin..<pos]))
            switch w {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                if w.hasSuffix("L") { w.removeLast() }
                guard !w.isEmpty else { throw fail("unexpected character '\(chars[begin])'") }
                guard let n = Int(w) else {
                    let digits = w.drop { $0 == "-" || $0 == "+" }
                    if !digits.isEmpty, digits.allSatisfy(\.isNumber) {
                        throw OpError("load", ".npy shape dimension \(w) is too large")
                    }
                    throw fail("unexpected '\(w)'")
                }
                return .int(n)
            }
        }
    }
}
