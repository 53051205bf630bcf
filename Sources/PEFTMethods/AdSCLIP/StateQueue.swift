import PEFTCLIP
import PEFTTensor

/// The adapter states the two towers exchange during one lockstep forward pass of AdS-CLIP: per sending tower, its
/// bottleneck states `[B, T, m]` of the last `length` adapted layers (oldest first), and its key-padding mask.
///
/// `AdSCLIP.encode` makes a fresh queue per batch and hands it to the adapters for that pass only, so a tower run
/// alone (no queue) computes plain bottleneck adapters and no state leaks from one batch into the next.
public final class StateQueue {
    /// How many adapted layers' states are kept per tower (`queue_length`): the current one and `length − 1` before it.
    public let length: Int
    private var states: [TowerKind: [Tensor]] = [:]
    private let masks: [TowerKind: [[Int]]]

    /// An empty queue keeping `length` states per tower; `masks` gives each tower's key-padding mask (`[B][T]`, the
    /// text's padding), absent when every token is real.
    public init(length: Int, masks: [TowerKind: [[Int]]] = [:]) {
        precondition(length >= 1, "StateQueue: length must be ≥ 1, got \(length)")
        self.length = length
        self.masks = masks
    }

    /// Pushes `tower`'s newest state, dropping its oldest beyond `length`.
    public func push(_ state: Tensor, from tower: TowerKind) {
        var queue = states[tower, default: []]
        queue.append(state)
        if queue.count > length { queue.removeFirst(queue.count - length) }
        states[tower] = queue
    }

    /// `tower`'s queued states as one key sequence `[B, n·T, m]` (oldest first) with its mask, or nil when empty.
    public func keys(of tower: TowerKind) -> (keys: Tensor, mask: [[Int]]?)? {
        guard let queue = states[tower], !queue.isEmpty else { return nil }
        let keys = queue.count == 1 ? queue[0] : Tensor.concatenated(queue, axis: 1)
        let mask = masks[tower].map { rows in rows.map { row in Array([[Int]](repeating: row, count: queue.count).joined()) } }
        return (keys, mask)
    }
}
