// TEMPORARY: replaced by the CLI owner, who keeps the `bench` dispatch.
import CNNKit
import CNNScript
import Foundation

let argv = CommandLine.arguments
if argv.count > 1 && argv[1] == "bench" {
    exit(BenchCommand.run(arguments: Array(argv.dropFirst(2))))
}
print("cnns")
