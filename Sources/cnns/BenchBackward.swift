import CNNKit
import Dispatch

/// The conv-backward benchmark (SPEC's "R3B"): the input and weight gradients of R3,
/// 8×64×56×56 → 64 filters 3×3, padding 1, no bias. Only the backward pass is timed (the graph is built
/// once); GFLOP/s counts twice the forward's 2·N·K·P·Q·C·R·S multiply-adds, as PyTorch's figure does.
enum BackwardBench {
    static func runR3(threads: Int) -> (ms: Double, gflops: Double) {
        let saved = Engine.threads
        Engine.threads = threads
        defer { Engine.threads = saved }
        let (n, c, h, w, k, r) = (8, 64, 56, 56, 64, 3)
        var rng = RandomSource(seed: 42)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextFloat() * 2 - 1 } }
        do {
            let x = Variable(try Tensor(shape: [n, c, h, w], scalars: random(n * c * h * w)), requiresGrad: true)
            let wt = Variable(try Tensor(shape: [k, c, r, r], scalars: random(k * c * r * r)), requiresGrad: true)
            let y = try Variable.conv(x, wt, padding: .explicit(Padding2D(1)))
            let gy = try Tensor(shape: y.shape, scalars: random(y.value.count))
            func step() throws {
                x.zeroGrad()
                wt.zeroGrad()
                try Autograd.backward(y, gradient: gy)
            }
            // Warm-up (page faults, OpenBLAS buffers, threads), then the median of at least 10 runs / 1 s.
            for _ in 0..<3 { try step() }
            var times: [Double] = []
            let start = DispatchTime.now().uptimeNanoseconds
            while times.count < 10 || (DispatchTime.now().uptimeNanoseconds - start < 1_000_000_000 && times.count < 200) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try step()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            times.sort()
            let ms = times[times.count / 2]
            let flops = 2 * 2 * Double(n * k * h * w) * Double(c * r * r)
            return (ms, flops / (ms * 1e6))
        } catch {
            return (.nan, .nan)
        }
    }
}
