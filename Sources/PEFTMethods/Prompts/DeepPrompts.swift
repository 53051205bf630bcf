import PEFTCLIP
import PEFTTensor

/// Learned prompt tokens in a tower's residual stream, as a `TowerHook` that works on either tower: inserted before
/// token `position` (1: right after the vision class token or the text start token) when the first layer of
/// `layers` is due, replaced by fresh tokens before each later layer of `layers` (deep prompts: VPT-deep, P-tuning
/// v2-style prefixes, DialCLIP's domain prompts), and removed after the last layer, before the final norm and
/// pooling. With a single layer the tokens are inserted once and travel through every later layer (VPT-shallow).
///
/// `TowerState.insertTokens`/`replaceTokens`/`removeTokens` keep the padding mask and the pooled positions right:
/// the vision class token (position 0) is untouched; the text end-of-text position moves by `count` and back. The
/// tokens enter at the layer's input, after the tower's input stage (no position embedding, after the vision
/// `pre_layrnorm`), so they are independent of the sequence length and never count against max positions.
///
/// Parameters: `prompts.<l>` `[count, width]` for each 0-based layer `l` of `layers`. While the prompts are in the
/// sequence, `state.scratch[hookName]` holds the block currently there.
public final class DeepPrompts: TowerHook {
    public let hookName: String
    /// 0-based layers, ascending, before which fresh tokens enter.
    public let layers: [Int]
    /// The tokens entering before each of `layers`, `[count, width]` (or `[batch, count, width]`).
    public let prompts: [Tensor]
    /// Token index the prompts are inserted before.
    public let position: Int

    /// Prompts per layer; `prompts[i]` enters before `layers[i]`.
    public init(hookName: String, layers: [Int], prompts: [Tensor], position: Int = 1) {
        precondition(layers.count == prompts.count && layers == layers.sorted() && Set(layers).count == layers.count,
                     "DeepPrompts: \(prompts.count) prompt blocks for layers \(layers) (one per layer, ascending)")
        precondition(Set(prompts.map { $0.shape.suffix(2) }).count <= 1, "DeepPrompts: prompt blocks differ in shape \(prompts.map(\.shape))")
        self.hookName = hookName
        self.layers = layers
        self.prompts = prompts
        self.position = position
    }

    /// Fresh prompts for `layers`, each `[count, width]`, drawn by `initialise` in layer order.
    public convenience init(hookName: String, layers: [Int], count: Int, width: Int, position: Int = 1,
                            initialise: (_ shape: [Int]) -> Tensor) {
        self.init(hookName: hookName, layers: layers, prompts: layers.map { _ in initialise([count, width]) }, position: position)
    }

    /// Tokens per block.
    public var count: Int { prompts.first.map { $0.shape[$0.rank - 2] } ?? 0 }

    public func beforeLayer(_ layer: Int, state: inout TowerState) {
        guard let slot = layers.firstIndex(of: layer) else { return }
        if state.scratch[hookName] == nil {
            state.insertTokens(prompts[slot], at: position)
        } else {
            state.replaceTokens(at: position, with: prompts[slot])
        }
        state.scratch[hookName] = prompts[slot]
    }

    public func afterLastLayer(state: inout TowerState) {
        guard state.scratch[hookName] != nil else { return }
        state.removeTokens(at: position, count: count)
        state.scratch[hookName] = nil
    }

    public func namedParameters() -> [(String, Tensor)] {
        zip(layers, prompts).map { ("prompts.\($0)", $1) }
    }
}
