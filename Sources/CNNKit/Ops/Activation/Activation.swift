import Foundation

// x: any shape → same shape, elementwise

extension Tensor {
    /// Applies `f` to every element, splitting large tensors over the engine's threads.
    func mapElements(_ f: (Float) -> Float) -> Tensor {
        let n = count
        let out = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            scalars.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let d = buf.baseAddress else { return }
                let chunk = 1 << 14
                parallelFor((n + chunk - 1) / chunk, minChunk: 4) { c in
                    for i in c * chunk..<Swift.min(n, (c + 1) * chunk) { d[i] = f(s[i]) }
                }
            }
            initialized = n
        }
        return Tensor(unchecked: shape, scalars: out)
    }

    /// max(x, 0). NaN stays NaN.
    public func relu() -> Tensor {
        mapElements { $0 < 0 ? 0 : $0 }
    }

    /// x for x ≥ 0, slope·x below (PyTorch's default slope 0.01; ONNX LeakyRelu's alpha).
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        mapElements { $0 < 0 ? slope * $0 : $0 }
    }

    /// 1 / (1 + e^-x), computed from e^-|x| so neither branch overflows for large |x|.
    public func sigmoid() -> Tensor {
        mapElements { x in
            if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
            let e = Foundation.exp(x)
            return e / (1 + e)
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        mapElements { Foundation.tanh($0) }
    }
}
