import PEFTCLIP

/// The part of a backbone a method that trains base tensors (full fine-tuning, BitFit) reaches, by `towers` and
/// `layers`: the encoder layers of the range; the tower's input stage (embeddings and, for vision, `pre_layrnorm`)
/// only when the range starts at layer 1, since it lies below every layer; the tower's output stage (text
/// `final_layer_norm`, vision `post_layernorm`, the projection) whenever the tower is selected, since it lies
/// above them all. `logit_scale` is never in scope: PEFTLab's heads own their temperature (the retrieval head's
/// `head.logit_scale` starts from the backbone's and trains), so the backbone's would get no gradient.
///
/// Keeping the input stage out of a range that starts higher keeps the layers below it frozen, so the loop can
/// read their output from the feature cache (`reach`).
public struct BaseTensorScope: Sendable {
    public var towers: Towers
    public var layers: LayerRange

    public init(towers: Towers, layers: LayerRange) {
        self.towers = towers
        self.layers = layers
    }

    public init(_ settings: Settings) {
        self.init(towers: settings.towers(), layers: settings.layers())
    }

    /// 0-based layers of `tower` in scope (none when the tower is not selected).
    public func layerIndices(_ tower: TowerKind, layers count: Int) -> [Int] {
        towers.contains(tower) ? layers.indices(layers: count) : []
    }

    /// Whether the base tensor with HF key `key` is in scope on a backbone of `config`.
    public func contains(_ key: String, config: CLIPConfig) -> Bool {
        guard let tower = TowerKind.allCases.first(where: { key.hasPrefix($0.modelPrefix + ".") || key.hasPrefix($0.projectionKey + ".") }),
              towers.contains(tower) else { return false }
        let indices = layerIndices(tower, layers: config.layers(tower))
        if key.hasPrefix(tower.projectionKey + ".") { return true }
        let rest = key.dropFirst(tower.modelPrefix.count + 1)
        if rest.hasPrefix("encoder.layers.") {
            let index = rest.dropFirst("encoder.layers.".count).prefix { $0 != "." }
            return Int(index).map(indices.contains) ?? false
        }
        if rest.hasPrefix("embeddings.") || rest.hasPrefix("pre_layrnorm.") { return indices.contains(0) }
        return rest.hasPrefix("final_layer_norm.") || rest.hasPrefix("post_layernorm.")
    }

    /// Scalars of the base tensors in scope that satisfy `filter` (by HF key), from the backbone's inventory
    /// (`CLIPConfig.parameterSpecs()`), without building a model.
    public func count(_ config: CLIPConfig, where filter: (String) -> Bool = { _ in true }) -> Int {
        config.parameterSpecs().filter { contains($0.name, config: config) && filter($0.name) }
            .reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// The reach of a method training this scope's tensors in `tower`.
    public func reach(_ tower: TowerKind, layers count: Int) -> TowerReach {
        PEFTMethods.reach(modifying: layerIndices(tower, layers: count))
    }
}
