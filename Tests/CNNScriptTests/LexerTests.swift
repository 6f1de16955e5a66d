@testable import CNNScript
import Testing

@Suite struct LexerTests {
    private func kinds(_ s: String) throws -> [TokenKind] {
        try Lexer.tokenize(s).tokens.map(\.kind)
    }

    @Test func everyOperatorAndPunctuation() throws {
        let k = try kinds("+ - * / ** @ |> == != < <= > >= ! && || = , : ; . ( ) [ ] { }")
        #expect(k == [.plus, .minus, .star, .slash, .starStar, .at, .pipe, .equalEqual, .bangEqual, .less, .lessEqual,
                      .greater, .greaterEqual, .not, .and, .or, .assign, .comma, .colon, .semicolon, .dot,
                      .leftParen, .rightParen, .leftBracket, .rightBracket, .leftBrace, .rightBrace, .eof])
    }

    @Test func keywordsAndWordOperators() throws {
        let k = try kinds("fn for in if else true false none no_grad and or not fnx _ x_1")
        #expect(k == [.fn, .forKeyword, .inKeyword, .ifKeyword, .elseKeyword, .trueKeyword, .falseKeyword, .noneKeyword,
                      .noGrad, .and, .or, .not, .identifier, .identifier, .identifier, .eof])
    }

    @Test func numbers() throws {
        let tokens = try Lexer.tokenize("3 0.5 1e-3 2.5E+2 10").tokens
        #expect(tokens.filter { $0.kind == .number }.map(\.number) == [3, 0.5, 0.001, 250, 10])
        // `1e` is the number 1 followed by the name `e`? No: a letter straight after a number is an error.
        #expect(throws: SyntaxError.self) { try Lexer.tokenize("1e") }
        #expect(throws: SyntaxError.self) { try Lexer.tokenize("3x") }
    }

    @Test func stringEscapes() throws {
        let t = try Lexer.tokenize(#""a\nb\t\"q\" \\ end""#).tokens[0]
        #expect(t.kind == .string)
        #expect(t.text == "a\nb\t\"q\" \\ end")
    }

    @Test func positionsCountLinesAndColumns() throws {
        let tokens = try Lexer.tokenize("x = 1\n  y |> f(  2 )  # note\nz", firstLine: 10).tokens
        let pos = tokens.map { "\($0.kind == .newline ? "NL" : $0.text)@\($0.pos)" }
        #expect(pos == ["x@10:1", "=@10:3", "1@10:5", "NL@10:6", "y@11:3", "|>@11:5", "f@11:8", "(@11:9", "2@11:12",
                        ")@11:14", "NL@11:23", "z@12:1", "@12:2"])
    }

    @Test func newlinesInsideParenthesesAndBracketsAreSkipped() throws {
        #expect(try kinds("f(1,\n2)\n[3,\n4]") == [.identifier, .leftParen, .number, .comma, .number, .rightParen, .newline,
                                                   .leftBracket, .number, .comma, .number, .rightBracket, .eof])
        // Inside braces newlines separate statements again, even within parentheses around the block.
        #expect(try kinds("({\na\n})") == [.leftParen, .leftBrace, .newline, .identifier, .newline, .rightBrace, .rightParen, .eof])
    }

    @Test func commentsRunToTheEndOfTheLine() throws {
        #expect(try kinds("# all comment\nx # trailing") == [.newline, .identifier, .eof])
    }

    @Test func errorsCarryPositionsAndIncompleteness() {
        func err(_ s: String) -> SyntaxError? {
            do { _ = try Lexer.tokenize(s); return nil } catch let e as SyntaxError { return e } catch { return nil }
        }
        #expect(err("x = \"abc") == SyntaxError(message: "unterminated string (opened at 1:5)", pos: SourcePos(line: 1, column: 5), incomplete: true))
        #expect(err("a $ b")?.pos == SourcePos(line: 1, column: 3))
        #expect(err("a $ b")?.incomplete == false)
        #expect(err("\"\\q\"")?.message.contains("unknown escape") == true)
        #expect(err("f(1]")?.message == "']' does not match '(' opened at 1:2")
        #expect(err("x)")?.message == "unmatched ')'")
        #expect(err("a & b")?.message.contains("&&") == true)
        #expect(err("a | b")?.message.contains("|>") == true)
    }

    @Test func unclosedBracketsAreReported() throws {
        let (_, unclosed) = try Lexer.tokenize("f([1, {")
        #expect(unclosed.map(\.text) == ["(", "[", "{"])
    }
}
