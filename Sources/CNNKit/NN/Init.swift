/// PyTorch's default initialisation of Conv2d and Linear (`reset_parameters`): the weight by
/// `kaiming_uniform_(a=√5)`, which works out to U(−1/√fan_in, 1/√fan_in), and the bias by the same
/// uniform law. fan_in = (in_channels / groups) · kernel height · kernel width for a conv, in_features
/// for a dense layer. The weight is drawn first, then the bias, from the caller's random source.
public enum Init {
    /// gain = √(2 / (1 + a²)) with a = √5 → √(1/3); bound = √3 · gain / √fan_in = 1 / √fan_in.
    public static func kaimingUniformBound(fanIn: Int) -> Float {
        fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
    }

    /// A tensor of `shape` with values uniform in [−bound, bound).
    public static func uniform(_ shape: [Int], bound: Float, rng: inout RandomSource, op: String) throws -> Tensor {
        let count = try Shape.elementCount(shape, op: op)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = (2 * rng.nextFloat() - 1) * bound }
        return try Tensor(shape: shape, scalars: values)
    }

    /// A tensor of `shape` with values from N(0, std²).
    public static func normal(_ shape: [Int], std: Float, rng: inout RandomSource, op: String) throws -> Tensor {
        let count = try Shape.elementCount(shape, op: op)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = rng.nextNormal() * std }
        return try Tensor(shape: shape, scalars: values)
    }
}
