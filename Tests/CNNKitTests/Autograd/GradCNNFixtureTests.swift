@testable import CNNKit
import Testing

/// Values and gradients against PyTorch (scripts/make-grad-fixtures-cnn, float64 there): rtol 1e-4,
/// atol 1e-4 (float32 sums of up to a few hundred terms of size ~4 here).
@Suite struct GradCNNFixtureTests {
    static func cases(_ prefix: String) throws -> [FixtureCase] {
        try Fixtures.cases("grad-cnn").filter { $0.name.hasPrefix(prefix) }
    }

    func check(_ actual: Tensor, _ expected: Tensor, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(actual, expected, rtol: 1e-4, atol: 1e-4, Comment(rawValue: name), sourceLocation: sourceLocation)
    }

    @Test func conv() throws {
        let cases = try Self.cases("conv_")
        #expect(cases.count == 5)
        for f in cases {
            let x = try f.tensor("x"), w = try f.tensor("w"), gy = try f.tensor("gy")
            let bias = f.arrays["b"]
            let inputs = bias.map { [x, w, $0] } ?? [x, w]
            let (y, g) = try gradients(inputs, gy: gy) { v in
                try Variable.conv(v[0], v[1], bias: bias == nil ? nil : v[2], stride: f.size2("stride"), padding: f.pads(),
                                  dilation: f.size2("dilation"), groups: f.int("groups") ?? 1)
            }
            check(y, try f.tensor("y"), f.name)
            check(g[0], try f.tensor("dx"), f.name + " dx")
            check(g[1], try f.tensor("dw"), f.name + " dw")
            if bias != nil { check(g[2], try f.tensor("db"), f.name + " db") }
        }
    }

    @Test func pools() throws {
        let maxCases = try Self.cases("maxpool_"), avgCases = try Self.cases("avgpool_")
        #expect(maxCases.count == 3 && avgCases.count == 4)
        for f in maxCases {
            let (y, g) = try gradients([try f.tensor("x")], gy: try f.tensor("gy")) { v in
                try Variable.maxPool(v[0], kernel: f.size2("kernel"), stride: f.size2("stride"), padding: f.pads(),
                                     dilation: f.size2("dilation"), ceilMode: f.bool("ceil"))
            }
            check(y, try f.tensor("y"), f.name)
            check(g[0], try f.tensor("dx"), f.name + " dx")
        }
        for f in avgCases {
            let (y, g) = try gradients([try f.tensor("x")], gy: try f.tensor("gy")) { v in
                try Variable.avgPool(v[0], kernel: f.size2("kernel"), stride: f.size2("stride"), padding: f.pads(),
                                     ceilMode: f.bool("ceil"), countPad: f.bool("count_pad"))
            }
            check(y, try f.tensor("y"), f.name)
            check(g[0], try f.tensor("dx"), f.name + " dx")
        }
        for (name, op) in [("gmaxpool", Variable.globalMaxPool), ("gavgpool", Variable.globalAvgPool)] {
            let f = try #require(try Self.cases(name).first)
            let (y, g) = try gradients([try f.tensor("x")], gy: try f.tensor("gy")) { v in try op(v[0]) }
            check(y, try f.tensor("y"), f.name)
            check(g[0], try f.tensor("dx"), f.name + " dx")
        }
    }

    @Test func batchNorm() throws {
        let cases = try Self.cases("batchnorm_")
        #expect(cases.count == 3)
        for f in cases {
            var rm = try f.tensor("running_mean"), rv = try f.tensor("running_var")
            let momentum = Float(f.double("momentum") ?? 0.1), eps = Float(f.double("eps") ?? 1e-5)
            let (y, g) = try gradients([try f.tensor("x"), try f.tensor("scale"), try f.tensor("bias")], gy: try f.tensor("gy")) { v in
                try Variable.batchNorm(v[0], scale: v[1], bias: v[2], runningMean: &rm, runningVar: &rv,
                                       momentum: momentum, eps: eps, training: f.bool("training"))
            }
            check(y, try f.tensor("y"), f.name)
            check(g[0], try f.tensor("dx"), f.name + " dx")
            check(g[1], try f.tensor("dscale"), f.name + " dscale")
            check(g[2], try f.tensor("dbias"), f.name + " dbias")
            check(rm, try f.tensor("running_mean_after"), f.name + " running mean")
            check(rv, try f.tensor("running_var_after"), f.name + " running var")
        }
    }

    @Test func linear() throws {
        let f = try #require(try Self.cases("linear_").first)
        let (y, g) = try gradients([try f.tensor("x"), try f.tensor("w"), try f.tensor("b")], gy: try f.tensor("gy")) { v in
            try Variable.linear(v[0], v[1], bias: v[2])
        }
        check(y, try f.tensor("y"), f.name)
        for (i, key) in ["dx", "dw", "db"].enumerated() { check(g[i], try f.tensor(key), f.name + " " + key) }
    }
}
