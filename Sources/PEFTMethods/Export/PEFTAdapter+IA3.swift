import Foundation
import PEFTCLIP
import PEFTTensor

/// IA3 in HF PEFT's format: one tensor per wrapped linear, `base_model.model.<module path>.ia3_l` (a parameter, so no
/// `.weight` suffix), `[out, 1]` for output scaling and `[1, in]` for feed-forward modules (input scaling), as
/// `peft.tuners.ia3.layer.IA3Layer.update_layer` creates them; `feedforward_modules` names the latter.
extension PEFTAdapter {
    /// Key suffix of an IA3 vector.
    static let ia3Suffix = ".ia3_l"

    /// An IA3 adapter of `model`'s wrapped linears at `layers` (tower, 0-based index) and `targets`.
    static func ia3(model: CLIPModel, targets: [LinearSlot], layers: [(TowerKind, Int)]) -> PEFTAdapter {
        var items: [SafeTensorsWriter.Item] = []
        var paths: [String] = []
        for (tower, index) in layers {
            let layer = model.layers(tower)[index]
            for slot in targets {
                guard let ia3 = slot.get(layer) as? IA3Linear else { continue }
                let path = slot.path(tower, layer: index)
                paths.append(path)
                items.append(.init(name: keyPrefix + path + ia3Suffix, shape: ia3.scaling.shape, values: ia3.scaling.storage))
            }
        }
        var config = baseConfig(type: "IA3")
        config["target_modules"] = targetModules(paths: paths, model: model, slots: targets)
        config["feedforward_modules"] = targets.filter { $0 == IA3.feedForward }.map(\.moduleName)
        config["exclude_modules"] = NSNull()
        config["fan_in_fan_out"] = false
        config["init_ia3_weights"] = true
        return PEFTAdapter(config: config, tensors: items)
    }

    /// Whether PEFT treats the module at `module` as feed-forward: `feedforward_modules` as a list matches names the
    /// path ends with, as a string it is a regex the whole path must match (`IA3Model._check_target_module_feedforward`).
    func isFeedForward(_ module: String) -> Bool {
        switch config["feedforward_modules"] {
        case let names as [String]: return names.contains { module.hasSuffix($0) }
        case let pattern as String:
            guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
            return regex.firstMatch(in: module, range: NSRange(module.startIndex..., in: module)) != nil
        default: return false
        }
    }

    /// Wraps `model`'s linears named by an IA3 adapter's tensors.
    func applyIA3(to model: CLIPModel, path: String) throws {
        if config["fan_in_fan_out"] as? Bool == true {
            throw CheckpointError.badConfig(path: path, field: "fan_in_fan_out", expected: "false (CLIP's linears are nn.Linear)", found: "true")
        }
        var unknown: [String] = []
        for item in tensors {
            guard item.name.hasSuffix(Self.ia3Suffix) else {
                unknown.append(item.name)
                continue
            }
            let module = String(item.name.dropFirst(item.name.hasPrefix(Self.keyPrefix) ? Self.keyPrefix.count : 0)
                .dropLast(Self.ia3Suffix.count))
            guard let (layer, slot) = Self.locate(module, in: model) else {
                unknown.append(item.name)
                continue
            }
            let base = slot.get(layer).base
            let feedForward = isFeedForward(module)
            let expected = feedForward ? [1, base.weight.shape[1]] : [base.weight.shape[0], 1]
            guard item.shape == expected else {
                throw CheckpointError.shapeMismatch(path: path, tensor: item.name, expected: expected, found: item.shape)
            }
            slot.set(layer, IA3Linear(wrapping: base, scaling: Tensor(shape: item.shape, storage: item.values), scalesInput: feedForward))
        }
        if !unknown.isEmpty {
            throw CheckpointError.keyMismatch(path: path, missing: [], unexpected: unknown.sorted(), misshaped: [])
        }
    }
}
