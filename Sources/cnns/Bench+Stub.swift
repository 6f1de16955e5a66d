// TEMPORARY interface stub; the benchmark's owner replaces it.
/// `cnns bench [--json] [--threads N] [CASE…]`; returns the process exit status.
enum BenchCommand {
    static func run(arguments: [String]) -> Int32 { 2 }
}
