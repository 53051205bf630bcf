/// Per-tower shape lookups, for code that treats both towers alike (PEFT targeting, parameter counts).
extension CLIPConfig {
    /// Encoder layers of `tower`.
    public func layers(_ tower: TowerKind) -> Int { tower == .text ? text.numHiddenLayers : vision.numHiddenLayers }
    /// Residual width of `tower`.
    public func width(_ tower: TowerKind) -> Int { tower == .text ? text.hiddenSize : vision.hiddenSize }
    /// MLP hidden width of `tower`.
    public func intermediate(_ tower: TowerKind) -> Int {
        tower == .text ? text.intermediateSize : vision.intermediateSize
    }
}
