// TEMPORARY: replaced by the CLI owner, who keeps the `bench` dispatch.
import CNNKit
import CNNScript
import Foundation

let argv = CommandLine.arguments
if argv.count > 1 && argv[1] == "bench" {
    exit(BenchCommand.run(arguments: Array(argv.dropFirst(2))))
}
print("cnns")
if argv.count > 1 && argv[1] == "r3b" {
    for _ in 0..<3 { let r = BackwardBench.runR3(threads: 2); print("R3B threads 2: \(r.ms) ms, \(r.gflops) GFLOP/s") }
}
