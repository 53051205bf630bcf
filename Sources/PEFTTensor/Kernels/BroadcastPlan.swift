/// How to walk two operands broadcast against each other (numpy rules), with adjacent dimensions merged.
///
/// After merging, the output is `rows` runs of `inner` elements; within a run each operand either advances by one
/// (stride 1) or repeats one value (stride 0). Row offsets come from an odometer over the outer dimensions.
struct BroadcastPlan {
    /// Merged output dimensions (at least one).
    let dims: [Int]
    /// Per merged dimension, how far operand a / b moves (0 where it is broadcast).
    let aStrides: [Int]
    let bStrides: [Int]
    /// Elements in the output.
    let count: Int

    /// Plans `a` and `b` broadcast to `outShape` (which must be their broadcast shape or one they broadcast to).
    init(outShape: [Int], aShape: [Int], bShape: [Int]) {
        let sa = BroadcastPlan.strides(of: aShape, in: outShape)
        let sb = BroadcastPlan.strides(of: bShape, in: outShape)
        var dims: [Int] = [], strideA: [Int] = [], strideB: [Int] = []
        for axis in outShape.indices where outShape[axis] != 1 {
            if !dims.isEmpty, strideA.last == sa[axis] &* outShape[axis], strideB.last == sb[axis] &* outShape[axis] {
                dims[dims.count - 1] &*= outShape[axis]
                strideA[strideA.count - 1] = sa[axis]
                strideB[strideB.count - 1] = sb[axis]
            } else {
                dims.append(outShape[axis]); strideA.append(sa[axis]); strideB.append(sb[axis])
            }
        }
        if dims.isEmpty { dims = [1]; strideA = [0]; strideB = [0] }
        self.dims = dims
        aStrides = strideA
        bStrides = strideB
        count = outShape.reduce(1, *)
    }

    /// A plan over already-merged `dims` with explicit strides (used by strided copies such as permute).
    init(dims: [Int], aStrides: [Int], bStrides: [Int]) {
        self.dims = dims.isEmpty ? [1] : dims
        self.aStrides = aStrides.isEmpty ? [0] : aStrides
        self.bStrides = bStrides.isEmpty ? [0] : bStrides
        count = dims.reduce(1, *)
    }

    /// Length of each contiguous run.
    var inner: Int { dims[dims.count - 1] }
    /// Number of runs.
    var rows: Int { inner == 0 ? 0 : count / inner }

    /// Row-major strides of `shape` placed right-aligned in `outShape`, 0 on broadcast axes.
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        precondition(shape.count <= outShape.count, "broadcast: \(shape) has more axes than \(outShape)")
        var result = [Int](repeating: 0, count: outShape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let axis = outShape.count - shape.count + i
            precondition(shape[i] == outShape[axis] || shape[i] == 1,
                         "broadcast: cannot broadcast \(shape) to \(outShape)")
            result[axis] = shape[i] == 1 ? 0 : step
            step &*= shape[i]
        }
        return result
    }

    /// Calls `body(row, aOffset, bOffset)` for rows in `range`, advancing the offsets with an odometer.
    @inline(__always)
    func forEachRow(in range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let outer = dims.count - 1
        var index = [Int](repeating: 0, count: Swift.max(outer, 1))
        var offA = 0, offB = 0
        var rest = range.lowerBound
        for d in stride(from: outer - 1, through: 0, by: -1) {
            index[d] = rest % dims[d]
            rest /= dims[d]
            offA &+= index[d] &* aStrides[d]
            offB &+= index[d] &* bStrides[d]
        }
        for row in range {
            body(row, offA, offB)
            var d = outer - 1
            while d >= 0 {
                index[d] &+= 1
                offA &+= aStrides[d]
                offB &+= bStrides[d]
                if index[d] < dims[d] { break }
                offA &-= aStrides[d] &* dims[d]
                offB &-= bStrides[d] &* dims[d]
                index[d] = 0
                d &-= 1
            }
        }
    }
}

/// The broadcast shape of two shapes (numpy rules); precondition naming `op` when they are incompatible.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) do not broadcast")
        out[i] = da == 1 ? db : da
    }
    return out
}
