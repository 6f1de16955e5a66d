/// The largest |a-b| / (atol + rtol·|b|) ratio; ≤ 1 means every element is within tolerance (a NaN on
/// either side counts as out of it).
public func closeness(_ a: [Float], _ b: [Float], rtol: Float, atol: Float) -> Float {
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let r = abs(x - y) / (atol + rtol * abs(y))
        if !(r <= worst) { worst = r.isNaN ? .infinity : r }
    }
    return worst
}
