/// Binary arithmetic with numpy broadcasting, and arithmetic with Float scalars.
///
/// Shapes broadcast right-aligned: `[32, 50, 768] + [768]` adds a bias to every token. The backward of a broadcast
/// operand sums the gradient over the axes it was repeated along.
extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(.add, a, b, "add") }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(.subtract, a, b, "sub") }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(.multiply, a, b, "mul") }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(.divide, a, b, "div") }

    /// `self + other` (torch `add`).
    public func add(_ other: Tensor) -> Tensor { self + other }
    /// `self - other` (torch `sub`).
    public func sub(_ other: Tensor) -> Tensor { self - other }
    /// `self * other` (torch `mul`).
    public func mul(_ other: Tensor) -> Tensor { self * other }
    /// `self / other` (torch `div`).
    public func div(_ other: Tensor) -> Tensor { self / other }

    private static func binary(_ op: Kernels.BinaryOp, _ a: Tensor, _ b: Tensor, _ label: String) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape, op: label)
        let plan = BroadcastPlan(outShape: shape, aShape: a.shape, bShape: b.shape)
        let values = makeBuffer(plan.count) { out in
            a.storage.withPointer { pa in b.storage.withPointer { pb in Kernels.binary(op, plan, pa, pb, out) } }
        }
        return result(shape, values, op: label, inputs: [a, b]) { g in
            switch op {
            case .add:
                if a.requiresGrad { a.accumulateGrad(reduce(g, from: shape, to: a.shape)) }
                if b.requiresGrad { b.accumulateGrad(reduce(g, from: shape, to: b.shape)) }
            case .subtract:
                if a.requiresGrad { a.accumulateGrad(reduce(g, from: shape, to: a.shape)) }
                if b.requiresGrad { b.accumulateGrad(reduce(negated(g), from: shape, to: b.shape)) }
            case .multiply:  // d(ab)/da = b, d(ab)/db = a
                if a.requiresGrad { a.accumulateGrad(reduce(combine(.multiply, g, shape, b), from: shape, to: a.shape)) }
                if b.requiresGrad { b.accumulateGrad(reduce(combine(.multiply, g, shape, a), from: shape, to: b.shape)) }
            case .divide:  // d(a/b)/da = 1/b, d(a/b)/db = −(a/b)/b
                if a.requiresGrad { a.accumulateGrad(reduce(combine(.divide, g, shape, b), from: shape, to: a.shape)) }
                if b.requiresGrad {
                    let q = Tensor(shape: shape, storage: values)
                    let gq = combine(.multiply, g, shape, q)
                    b.accumulateGrad(reduce(negated(combine(.divide, gq, shape, b)), from: shape, to: b.shape))
                }
            }
        }
    }

    /// g ∘ other, with `other` broadcast to `shape` (the shape of g).
    private static func combine(_ op: Kernels.BinaryOp, _ g: [Float], _ shape: [Int], _ other: Tensor) -> [Float] {
        let plan = BroadcastPlan(outShape: shape, aShape: shape, bShape: other.shape)
        return makeBuffer(plan.count) { out in
            g.withPointer { pg in other.storage.withPointer { po in Kernels.binary(op, plan, pg, po, out) } }
        }
    }

    private static func negated(_ g: [Float]) -> [Float] {
        makeBuffer(g.count) { out in g.withPointer { Kernels.scale($0, -1, out, g.count) } }
    }

    /// Sums `g` (of the broadcast shape) down to `shape` (a backward step of broadcasting); no copy if equal.
    static func reduce(_ g: [Float], from big: [Int], to shape: [Int]) -> [Float] {
        let count = elementCount(shape)
        if count == g.count { return g }
        let plan = BroadcastPlan(outShape: big, aShape: shape, bShape: big)
        return makeBuffer(count) { out in g.withPointer { Kernels.reduceToShape(plan, $0, out, dstCount: count) } }
    }
}

/// Arithmetic with a Float scalar (no broadcasting tensor needed).
extension Tensor {
    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s, "add_scalar") }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s, "add_scalar") }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s, "sub_scalar") }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s, "rsub_scalar") }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0, "mul_scalar") }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0, "mul_scalar") }
    /// Divides by `s` exactly (not a multiplication by 1/s).
    public static func / (a: Tensor, s: Float) -> Tensor {
        let values = makeBuffer(a.count) { out in a.storage.withPointer { Kernels.map($0, out, a.count, Kernels.DivideBy(s: s)) } }
        return result(a.shape, values, op: "div_scalar", inputs: [a]) { g in
            a.accumulateGrad(makeBuffer(g.count) { out in g.withPointer { Kernels.map($0, out, g.count, Kernels.DivideBy(s: s)) } })
        }
    }
    /// `s / a` elementwise.
    public static func / (s: Float, a: Tensor) -> Tensor {
        let values = makeBuffer(a.count) { out in a.storage.withPointer { Kernels.map($0, out, a.count, Kernels.DivideInto(s: s)) } }
        return result(a.shape, values, op: "rdiv_scalar", inputs: [a]) { g in  // d(s/x)/dx = −(s/x)/x
            a.accumulateGrad(makeBuffer(g.count) { out in
                values.withPointer { y in g.withPointer { pg in a.storage.withPointer { x in
                    Kernels.map3(y, pg, x, out, g.count, Kernels.DivideIntoDerivative())
                } } }
            })
        }
    }
    /// −a.
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0, "neg") }

    /// `self + s`.
    public func add(_ s: Float) -> Tensor { self + s }
    /// `self * s`.
    public func mul(_ s: Float) -> Tensor { self * s }
    /// −self.
    public func neg() -> Tensor { -self }

    /// x·scale + shift elementwise; gradient g·scale.
    private func affine(scale: Float, shift: Float, _ label: String) -> Tensor {
        let values = makeBuffer(count) { out in
            storage.withPointer { Kernels.map($0, out, count, Kernels.Affine(scale: scale, shift: shift)) }
        }
        return Tensor.result(shape, values, op: label, inputs: [self]) { [self] g in
            accumulateGrad(scale == 1 ? g : makeBuffer(g.count) { out in g.withPointer { Kernels.scale($0, scale, out, g.count) } })
        }
    }
}
