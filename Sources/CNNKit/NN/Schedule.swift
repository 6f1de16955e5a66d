import Foundation

/// Learning-rate schedules, applied once per epoch (epochs counted from 0, as PyTorch's schedulers).
public enum Schedule: Sendable, Equatable {
    case constant
    /// lr · gamma^(epoch / every) (integer division; PyTorch's `StepLR(step_size: every, gamma)`).
    case step(every: Int, gamma: Float)
    /// Cosine from lr down to `minimum` over `epochs` epochs (PyTorch's `CosineAnnealingLR(T_max:
    /// epochs, eta_min: minimum)`), staying at `minimum` after that.
    case cosine(epochs: Int, minimum: Float)

    /// The rate for 0-based `epoch`. Call `validate` first: parameters it rejects give `base`.
    public func rate(base: Float, epoch: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .step(let every, let gamma):
            guard every >= 1, epoch >= 0 else { return base }
            return base * Float(Foundation.pow(Double(gamma), Double(epoch / every)))
        case .cosine(let epochs, let minimum):
            guard epochs >= 1 else { return base }
            let e = Double(Swift.min(Swift.max(epoch, 0), epochs))
            let cosine = (1 + Foundation.cos(Double.pi * e / Double(epochs))) / 2
            return Float(Double(minimum) + (Double(base) - Double(minimum)) * cosine)
        }
    }

    /// Checks the parameters: `every` and `epochs` ≥ 1, a finite gamma > 0, a finite minimum ≥ 0.
    public func validate() throws {
        switch self {
        case .constant:
            return
        case .step(let every, let gamma):
            guard every >= 1 else { throw OpError("step", "every must be ≥ 1 epoch, got \(every)") }
            guard gamma > 0, gamma.isFinite else { throw OpError("step", "gamma must be finite and > 0, got \(gamma)") }
        case .cosine(let epochs, let minimum):
            guard epochs >= 1 else { throw OpError("cosine", "epochs must be ≥ 1, got \(epochs)") }
            guard minimum >= 0, minimum.isFinite else { throw OpError("cosine", "minimum must be finite and ≥ 0, got \(minimum)") }
        }
    }
}
