import PEFTCLIP
import PEFTTensor

/// An AdS-CLIP adapter after an encoder layer's MLP: a bottleneck adapter `h + up(s')` whose state
/// s = f(down(h)) is pushed onto the queue when the tower sends (`sends`), and, when the tower receives
/// (`sharing` present), becomes s' = s + SharingAttention(s, queue of the other tower) before the up-projection.
/// Without a queue (a tower run alone) or with nothing queued yet it is exactly `BottleneckAdapter`.
///
/// Parameters: `down.*`, `up.*` (the adapter), and `sharing.{q,k,v}.*` when it receives.
public final class SharedStateAdapter: LayerAdapter {
    /// The bottleneck adapter (`down`, `up`, the activation).
    public let adapter: BottleneckAdapter
    /// The attention over the other tower's states; nil for an adapter that only sends or stands alone.
    public let sharing: SharingAttention?
    /// Whether this adapter's states go onto the queue for the other tower.
    public let sends: Bool
    /// The queue of the lockstep pass in progress (set by `AdSCLIP.encode` for one batch), nil otherwise.
    var queue: StateQueue?

    public init(adapter: BottleneckAdapter, sharing: SharingAttention?, sends: Bool) {
        self.adapter = adapter
        self.sharing = sharing
        self.sends = sends
    }

    public func callAsFunction(_ output: Tensor, site: AdapterSite) -> Tensor {
        let state = adapter.state(output)
        guard let queue else { return output + adapter.up(state) }
        var shared = state
        if let sharing, let other = queue.keys(of: site.tower == .text ? .vision : .text) {
            shared = state + sharing(state, keys: other.keys, keyMask: other.mask)
        }
        if sends { queue.push(state, from: site.tower) }
        return output + adapter.up(shared)
    }

    public func namedParameters() -> [(String, Tensor)] {
        adapter.namedParameters() + (sharing.map { prefixed("sharing", $0.namedParameters()) } ?? [])
    }
}
