/// Slicing, concatenation, splitting and gathers (embedding lookups, picking one token per sequence).
extension Tensor {
    /// Elements `range` along `axis`. `[B, T, D].sliced(axis: 1, range: 0..<1)` → `[B, 1, D]`. Cost: one copy.
    public func sliced(axis: Int, range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "sliced")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "sliced: range \(range) out of bounds for axis \(a) of \(shape)")
        let inner = shape[(a + 1)...].reduce(1, *), outer = shape[..<a].reduce(1, *), n = shape[a]
        let run = range.count * inner, offset = range.lowerBound * inner
        var outShape = shape
        outShape[a] = range.count
        let values = makeBuffer(outer * run) { out in
            storage.withPointer { x in for o in 0..<outer { (out + o &* run).update(from: x + (o &* n &* inner &+ offset), count: run) } }
        }
        return Tensor.result(outShape, values, op: "slice", inputs: [self]) { [self] g in
            withGradBuffer { dx in
                g.withPointer { pg in
                    for o in 0..<outer { Kernels.addInPlace(dx + (o &* n &* inner &+ offset), pg + o &* run, run) }
                }
            }
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree. Cost: one copy.
    public static func concatenated(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenated: no tensors")
        let first = tensors[0]
        let a = normalizedAxis(axis, rank: first.rank, op: "concatenated")
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.indices.allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                         "concatenated: shape \(t.shape) does not match \(first.shape) outside axis \(a)")
        }
        let inner = first.shape[(a + 1)...].reduce(1, *), outer = first.shape[..<a].reduce(1, *)
        let runs = tensors.map { $0.shape[a] * inner }
        let total = runs.reduce(0, +)
        var outShape = first.shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let values = makeBuffer(outer * total) { out in
            var offset = 0
            for (t, run) in zip(tensors, runs) {
                t.storage.withPointer { x in for o in 0..<outer { (out + (o &* total &+ offset)).update(from: x + o &* run, count: run) } }
                offset += run
            }
        }
        return result(outShape, values, op: "concat", inputs: tensors) { g in
            var offset = 0
            for (t, run) in zip(tensors, runs) {
                if t.requiresGrad {
                    let start = offset
                    t.accumulateGrad(makeBuffer(outer * run) { dx in
                        g.withPointer { pg in for o in 0..<outer { (dx + o &* run).update(from: pg + (o &* total &+ start), count: run) } }
                    })
                }
                offset += run
            }
        }
    }

    /// Cuts along `axis` into consecutive pieces of `sizes` (which must add up to the axis length).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let a = normalizedAxis(axis, rank: rank, op: "split")
        precondition(sizes.reduce(0, +) == shape[a], "split: sizes \(sizes) do not add up to axis \(a) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: a, range: start..<(start + size))
        }
    }

    /// Embedding lookup: rows `indices` of a `[V, D]` table → `[indices.count, D]`; backward scatter-adds rows.
    public func gathered(rows indices: [Int]) -> Tensor {
        precondition(rank == 2, "gathered(rows:): expected a [V, D] table, got \(shape)")
        return indexSelect(axis: 0, indices: indices)
    }

    /// Picks entries `indices` along `axis` (repeats allowed). `[N, D].indexSelect(axis: 0, indices: eosRows)` pools
    /// one token per sequence from flattened `[B·T, D]` states. Backward scatter-adds into the picked entries.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "indexSelect")
        let n = shape[a], inner = shape[(a + 1)...].reduce(1, *), outer = shape[..<a].reduce(1, *)
        for i in indices { precondition(i >= 0 && i < n, "indexSelect: index \(i) out of range 0..<\(n) for axis \(a) of \(shape)") }
        let k = indices.count
        var outShape = shape
        outShape[a] = k
        let values = makeBuffer(outer * k * inner) { out in
            storage.withPointer { x in
                for o in 0..<outer {
                    for (j, i) in indices.enumerated() {
                        (out + (o &* k &+ j) &* inner).update(from: x + (o &* n &+ i) &* inner, count: inner)
                    }
                }
            }
        }
        return Tensor.result(outShape, values, op: "index_select", inputs: [self]) { [self] g in
            withGradBuffer { dx in
                g.withPointer { pg in
                    for o in 0..<outer {
                        for (j, i) in indices.enumerated() {
                            let d = dx + (o &* n &+ i) &* inner, s = pg + (o &* k &+ j) &* inner
                            for e in 0..<inner { d[e] += s[e] }
                        }
                    }
                }
            }
        }
    }
}
