import CBLAS

/// Matrix products through OpenBLAS `cblas_sgemm`, and the column sums used for bias gradients.
extension Kernels {
    /// C = alpha·op(A)·op(B) + beta·C, all row-major: op(A) is [m, k], op(B) is [k, n], C is [m, n].
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C *as stored* (A stored [k, m] when `transA`).
    /// With beta = 0, C need not be initialised. Transposes are BLAS flags: nothing is copied.
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if beta == 0 { for i in 0..<m { (c + i &* ldc).update(repeating: 0, count: n) } } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i &* ldc &+ j] *= beta } }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// dst[j] (+)= Σ_i src[i·cols + j] over `rows` rows; `accumulate` false overwrites dst.
    /// Threads split the columns, so no two threads write the same destination.
    static func columnSums(_ src: UnsafePointer<Float>, rows: Int, cols: Int, _ dst: UnsafeMutablePointer<Float>,
                           accumulate: Bool) {
        let blocks = (cols + 7) / 8
        parallelChunks(blocks, grain: Swift.max(1, parallelGrain / Swift.max(rows &* 8, 1))) { range in
            let j0 = range.lowerBound &* 8, j1 = Swift.min(range.upperBound &* 8, cols)
            if !accumulate { (dst + j0).update(repeating: 0, count: j1 &- j0) }
            var i = 0
            while i < rows {
                let row = src + i &* cols
                var j = j0
                while j &+ 8 <= j1 { store8(load8(dst, j) + load8(row, j), dst, j); j &+= 8 }
                while j < j1 { dst[j] += row[j]; j &+= 1 }
                i &+= 1
            }
        }
    }
}
