/// Matrix products (cblas_sgemm) and the affine layer x·Wᵀ + b.
///
/// Backward uses the same GEMM with transpose flags: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC, written straight into
/// the gradient buffers (beta = 1 accumulates, beta = 0 on first write), so no operand is ever copied or transposed.
extension Tensor {
    /// `[.., m, k] × [.., k, n] → [.., m, n]`, batched over leading axes with broadcasting; a rank-2 right operand is
    /// shared by every batch (one GEMM over all rows). Cost: 2·m·k·n FLOPs per batch.
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other, transposingB: false) }

    /// `self × otherᵀ` on the last two axes: `[.., m, k] × [.., n, k] → [.., m, n]`, transpose by BLAS flag.
    public func matmul(_ other: Tensor, transposingOther: Bool) -> Tensor {
        Tensor.matmul(self, other, transposingB: transposingOther)
    }

    /// Affine map over the last axis with a PyTorch/HF-layout weight: `x [.., in] · W[out, in]ᵀ + b[out] → [.., out]`.
    /// The bias is written first and the GEMM adds onto it. Cost: 2·N·in·out FLOPs forward, twice that backward.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let outF = weight.shape[0], inF = weight.shape[1]
        precondition(rank >= 1 && shape[rank - 1] == inF, "linear: input \(shape) × weight \(weight.shape): last axis ≠ \(inF)")
        if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape) does not match weight \(weight.shape)") }
        let rows = count / Swift.max(inF, 1)
        let outShape = Array(shape.dropLast()) + [outF]
        let x = self
        let values = makeBuffer(rows * outF) { y in
            if let bias { bias.storage.withPointer { b in for r in 0..<rows { (y + r &* outF).update(from: b, count: outF) } } }
            x.storage.withPointer { px in weight.storage.withPointer { pw in
                Kernels.gemm(transB: true, m: rows, n: outF, k: inF, a: px, lda: inF, b: pw, ldb: inF,
                             beta: bias == nil ? 0 : 1, c: y, ldc: outF)
            } }
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor.result(outShape, values, op: "linear", inputs: inputs) { g in
            g.withPointer { pg in
                if x.requiresGrad {  // dX = dY · W
                    x.withGradAccumulator { dx, beta in weight.storage.withPointer { pw in
                        Kernels.gemm(m: rows, n: inF, k: outF, a: pg, lda: outF, b: pw, ldb: inF, beta: beta, c: dx, ldc: inF)
                    } }
                }
                if weight.requiresGrad {  // dW = dYᵀ · X
                    weight.withGradAccumulator { dw, beta in x.storage.withPointer { px in
                        Kernels.gemm(transA: true, m: outF, n: inF, k: rows, a: pg, lda: outF, b: px, ldb: inF,
                                     beta: beta, c: dw, ldc: inF)
                    } }
                }
                if let bias, bias.requiresGrad {  // db = Σ_rows dY
                    bias.withGradAccumulator { db, beta in Kernels.columnSums(pg, rows: rows, cols: outF, db, accumulate: beta != 0) }
                }
            }
        }
    }

    private static func matmul(_ a: Tensor, _ b: Tensor, transposingB tb: Bool) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: operands need rank ≥ 2, got \(a.shape) × \(b.shape)")
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let kb = b.shape[b.rank - (tb ? 1 : 2)], n = b.shape[b.rank - (tb ? 2 : 1)]
        precondition(k == kb, "matmul: \(a.shape) × \(b.shape)\(tb ? "ᵀ" : ""): inner dims \(k) ≠ \(kb)")
        let ldb = tb ? k : n
        if b.rank == 2 {
            let rows = a.count / Swift.max(k, 1)
            let outShape = Array(a.shape.dropLast()) + [n]
            let values = makeBuffer(rows * n) { c in
                a.storage.withPointer { pa in b.storage.withPointer { pb in
                    Kernels.gemm(transB: tb, m: rows, n: n, k: k, a: pa, lda: k, b: pb, ldb: ldb, beta: 0, c: c, ldc: n)
                } }
            }
            return result(outShape, values, op: "matmul", inputs: [a, b]) { g in
                g.withPointer { pg in
                    if a.requiresGrad {  // dA = dC · op(B)ᵀ
                        a.withGradAccumulator { da, beta in b.storage.withPointer { pb in
                            Kernels.gemm(transB: !tb, m: rows, n: k, k: n, a: pg, lda: n, b: pb, ldb: ldb, beta: beta, c: da, ldc: k)
                        } }
                    }
                    if b.requiresGrad {  // dB = Aᵀ · dC  (or dC ᵀ· A when B is used transposed)
                        b.withGradAccumulator { db, beta in a.storage.withPointer { pa in
                            if tb {
                                Kernels.gemm(transA: true, m: n, n: k, k: rows, a: pg, lda: n, b: pa, ldb: k, beta: beta, c: db, ldc: k)
                            } else {
                                Kernels.gemm(transA: true, m: k, n: n, k: rows, a: pa, lda: k, b: pg, ldb: n, beta: beta, c: db, ldc: n)
                            }
                        } }
                    }
                }
            }
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShape(batchA, batchB, op: "matmul")
        let stridesA = BroadcastPlan.strides(of: batchA, in: batch), stridesB = BroadcastPlan.strides(of: batchB, in: batch)
        let sizeA = m * k, sizeB = k * n, sizeC = m * n
        let batches = elementCount(batch)
        /// Calls body(batchIndex, aMatrixIndex, bMatrixIndex) for every output batch.
        func eachBatch(_ body: (Int, Int, Int) -> Void) {
            for i in 0..<batches {
                var rest = i, ia = 0, ib = 0
                for d in stride(from: batch.count - 1, through: 0, by: -1) {
                    let index = rest % batch[d]
                    rest /= batch[d]
                    ia += index * stridesA[d]
                    ib += index * stridesB[d]
                }
                body(i, ia, ib)
            }
        }
        let values = makeBuffer(batches * sizeC) { c in
            a.storage.withPointer { pa in b.storage.withPointer { pb in
                eachBatch { i, ia, ib in
                    Kernels.gemm(transB: tb, m: m, n: n, k: k, a: pa + ia &* sizeA, lda: k, b: pb + ib &* sizeB, ldb: ldb,
                                 beta: 0, c: c + i &* sizeC, ldc: n)
                }
            } }
        }
        return result(batch + [m, n], values, op: "matmul", inputs: [a, b]) { g in
            g.withPointer { pg in
                if a.requiresGrad {
                    a.withGradBuffer { da in b.storage.withPointer { pb in
                        eachBatch { i, ia, ib in
                            Kernels.gemm(transB: !tb, m: m, n: k, k: n, a: pg + i &* sizeC, lda: n, b: pb + ib &* sizeB,
                                         ldb: ldb, beta: 1, c: da + ia &* sizeA, ldc: k)
                        }
                    } }
                }
                if b.requiresGrad {
                    b.withGradBuffer { db in a.storage.withPointer { pa in
                        eachBatch { i, ia, ib in
                            if tb {
                                Kernels.gemm(transA: true, m: n, n: k, k: m, a: pg + i &* sizeC, lda: n, b: pa + ia &* sizeA,
                                             ldb: k, beta: 1, c: db + ib &* sizeB, ldc: k)
                            } else {
                                Kernels.gemm(transA: true, m: k, n: n, k: m, a: pa + ia &* sizeA, lda: k, b: pg + i &* sizeC,
                                             ldb: n, beta: 1, c: db + ib &* sizeB, ldc: n)
                            }
                        }
                    } }
                }
            }
        }
    }
}
