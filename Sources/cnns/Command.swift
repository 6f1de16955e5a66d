import ArgumentParser
import CNNKit

/// The version `cnns --version` prints.
let cnnsVersion = "0.1.0"

/// What `--version` prints: the version, then the CPU, the kernel set in use and the GEMM.
var versionText: String { "cnns \(cnnsVersion)\n\(Kernels.summary)" }

extension Terminal.ColorChoice: ExpressibleByArgument {}

/// `cnns`'s command line (SPEC §1). `cnns bench …` never reaches this parser: main.swift hands it to
/// `BenchCommand` first.
struct CNNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnns",
        abstract: "A convolutional-neural-network engine with a small tensor language.",
        usage: """
            cnns [<options>]
            cnns [<options>] <file.cnns> [<args>...]
            cnns [<options>] -e <code> [<args>...]
            cnns -i [<options>] <file.cnns> [<args>...]
            cnns --transcript <out.md> [<options>] <file.cnns> [<args>...]
            cnns bench [--json] [--threads <n>] [<case>...]
            """,
        discussion: """
            With no script, cnns is the interactive shell on a terminal, and reads statements from \
            stdin (printing each value, without prompts or colour) when stdin is piped. A script runs \
            with `args` holding the words after its name; options go before the script. Scripts may \
            start with `#!/usr/bin/env cnns`. `cnns bench` runs the performance cases.

            In the shell, Ctrl-C cancels the line being typed or the statement running, Ctrl-D on an \
            empty line exits, Tab completes and Ctrl-R searches the history. Lines starting with `:` are \
            meta-commands (`:help` lists them: :who, :del, :reset, :time, :timeit, :run, :history, :save, \
            :load, :quit), in the shell and in piped input. The shell numbers results `Out[n]:` (read them back \
            as `_n`; `_` is the last); piped output stays plain, without the labels. History is kept in $XDG_STATE_HOME/cnns/history \
            (default ~/.local/state/cnns/history).

            Exit status: 0 success; 1 an error in a script, -e code or piped input, or a script that \
            cannot be read; 2 bad command-line usage; 130 interrupted. Colour (--color auto) is used \
            only on a terminal, and not when NO_COLOR is set to a non-empty value.
            """,
        version: versionText)

    @Option(name: .customShort("e"), help: ArgumentHelp(
        "Evaluate <code> and print the value of its last expression.", valueName: "code"))
    var code: String?

    @Flag(name: .customShort("i"), help: "After the script or -e code, stay in the shell with its state.")
    var interactive = false

    @Option(help: ArgumentHelp("Threads for the engine and BLAS (default: every core).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Seed of the session's random generator.", valueName: "n"))
    var seed: UInt64?

    @Option(help: "When to use colour.")
    var color: Terminal.ColorChoice = .auto

    @Flag(help: "Scripts and piped input go on after an error (and exit with status 1 at the end).")
    var keepGoing = false

    @Option(help: ArgumentHelp(
        "Run the script statement by statement and write a Markdown transcript: each statement, its output and its time.",
        valueName: "out.md"))
    var transcript: String?

    /// The script and its arguments, or (with -e) just arguments. Captured verbatim from the first
    /// positional word on, so a script's own flags (`cnns train.cnns --epochs 3`) reach `args`.
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(
        "A script to run, then the arguments it sees as `args`.", valueName: "file.cnns> <args"))
    var scriptAndArguments: [String] = []

    static let maximumThreads = 1024

    mutating func validate() throws {
        if let threads, !(1...Self.maximumThreads).contains(threads) {
            throw ValidationError("--threads needs a number from 1 to \(Self.maximumThreads), got \(threads)")
        }
        // Passthrough capture also swallows options it does not know, --help and --version among them
        // when they follow another option; any other option before the script is a typo.
        switch scriptAndArguments.first {
        case "-h", "--help", "-help": throw CleanExit.helpRequest(self)
        case "--version": throw CleanExit.message(versionText)
        default: break
        }
        if let first = scriptAndArguments.first, first.hasPrefix("-"), first != "--", first != "-" {
            throw ValidationError("unknown option '\(first)'")
        }
        if scriptAndArguments.first == "--" { scriptAndArguments.removeFirst() }
        if transcript != nil {
            if code != nil { throw ValidationError("--transcript records a script file, not -e code") }
            if interactive { throw ValidationError("--transcript cannot be combined with -i") }
            if scriptAndArguments.first == nil { throw ValidationError("--transcript needs a script: cnns --transcript out.md file.cnns") }
        }
        if code == nil, scriptAndArguments.first == "-" {
            throw ValidationError("reading a script from '-' is not supported; pipe it: cnns < file.cnns")
        }
    }

    /// The script to run, if any (with -e, every positional word is an argument).
    var scriptPath: String? { code == nil ? scriptAndArguments.first : nil }

    /// What the program sees as `args`.
    var scriptArguments: [String] { code == nil ? Array(scriptAndArguments.dropFirst()) : scriptAndArguments }
}
