import PEFTTensor

/// AdS-CLIP's adapter-state sharing: one adapter's bottleneck state attends over the other tower's queued
/// bottleneck states, single-head, in the bottleneck width m:
///
///     shared = softmax((s·W_qᵀ + b_q)(K·W_kᵀ)ᵀ / √m + mask)·(K·W_vᵀ + b_v)
///
/// with s `[B, Tq, m]` the receiving adapter's state and K `[B, Tk, m]` the queue (the sending tower's states of
/// the current and previous adapted layers, concatenated along tokens). Keys marked 0 in the key-padding mask
/// (the text's padding) get no weight. The caller adds `shared` to s before the up-projection. Parameters:
/// `q`, `k`, `v` (each m → m with bias, torch's default init): 3·(m² + m).
public final class SharingAttention: ParameterContainer {
    /// Query projection of the receiving state (m → m).
    public let q: Linear
    /// Key projection of the queued states (m → m, no bias).
    public let k: Linear
    /// Value projection of the queued states (m → m).
    public let v: Linear

    /// Fresh projections for bottleneck width `width`, drawn q, k, v in that order.
    public init(width: Int, rng: inout RNG) {
        q = Linear(inputSize: width, outputSize: width, rng: &rng)
        k = Linear(inputSize: width, outputSize: width, bias: false, rng: &rng)
        v = Linear(inputSize: width, outputSize: width, rng: &rng)
    }

    /// `[B, Tq, m]` attending over `keys` `[B, Tk, m]` → `[B, Tq, m]`; `keyMask` is `[B][Tk]` (1 = real, 0 =
    /// padding) or nil when every key is real.
    /// - Complexity: 6·B·(Tq + 2·Tk)·m² + 4·B·Tq·Tk·m flops.
    public func callAsFunction(_ state: Tensor, keys: Tensor, keyMask: [[Int]]?) -> Tensor {
        precondition(state.rank == 3 && keys.rank == 3 && keys.shape[0] == state.shape[0] && keys.shape[2] == state.shape[2],
                     "SharingAttention: state \(state.shape) and keys \(keys.shape) must be [B, T, m] with equal B and m")
        let (batch, queries, width) = (state.shape[0], state.shape[1], state.shape[2])
        let count = keys.shape[1]
        let mask = keyMask.flatMap { rows in rows.allSatisfy { !$0.contains(0) } ? nil : Tensor.paddingMask(rows) }
        let attended = Tensor.attention(q: q(state).reshaped([batch, 1, queries, width]),
                                        k: k(keys).reshaped([batch, 1, count, width]),
                                        v: v(keys).reshaped([batch, 1, count, width]), mask: mask)
        return attended.reshaped([batch, queries, width])
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("q", q.namedParameters()) + prefixed("k", k.namedParameters()) + prefixed("v", v.namedParameters())
    }

    /// Parameters of one sharing module of bottleneck width m: 3·m² + 2·m.
    public static func parameterCount(width m: Int) -> Int { 3 * m * m + 2 * m }
}
