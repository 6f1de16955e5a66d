// Gradients of the activations in Activation.swift. x: any shape → same shape, elementwise; each
// backward pass is one fused loop over the gradient and the tensor it needs (the output where it
// suffices, so the input can be freed).

extension Variable {
    /// Differentiable `max(x, 0)`: gradient 1 where x > 0 and 0 elsewhere, 0 at x = 0 as PyTorch.
    public func relu() throws -> Variable {
        let y = value.relu()
        guard Autograd.needsGraph(self) else { return Variable(y) }
        // y > 0 exactly where x > 0.
        return Autograd.record(y, parents: [self]) { g in [g.zipScalars(y) { g, y in y > 0 ? g : 0 }] }
    }

    /// Differentiable leaky ReLU: gradient 1 where x > 0 and `slope` elsewhere (at 0 too, as PyTorch).
    public func leakyRelu(slope: Float = 0.01) throws -> Variable {
        let x = value
        let y = x.leakyRelu(slope: slope)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in
            [g.zipScalars(x) { g, x in x > 0 ? g : slope * g }]
        }
    }

    /// Differentiable logistic sigmoid: `σ' = σ·(1 − σ)`, from the saved output.
    public func sigmoid() throws -> Variable {
        let y = value.sigmoid()
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in [g.zipScalars(y) { g, y in g * y * (1 - y) }] }
    }

    /// Differentiable tanh: `tanh' = 1 − tanh²`, from the saved output.
    public func tanh() throws -> Variable {
        let y = value.tanh()
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in [g.zipScalars(y) { g, y in g * (1 - y * y) }] }
    }
}
