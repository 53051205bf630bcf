import PEFTCLIP
import PEFTTensor
import PEFTTestSupport
import XCTest
@testable import PEFTMethods

/// The contract every registered method keeps (HF PEFT's `test_custom_models.py` idea), on a tiny CLIP: run for
/// each (method, settings) row of `cases`, which covers every method in `MethodRegistry.standard`.
final class MethodContractTests: XCTestCase {
    struct Case {
        var descriptor: MethodDescriptor
        var values: [String: ConfigValue]
        /// Whether the adapted model starts equal to the frozen one.
        var startsEqual = true
    }

    static let cases: [Case] = [
        Case(descriptor: LinearProbe.descriptor, values: [:]),
        Case(descriptor: LoRA.descriptor, values: [:]),
        Case(descriptor: LoRA.descriptor, values: ["r": .int(2), "targets": .list(LinearSlot.allCases.map { .string($0.rawValue) }),
                                                   "layers": .string("2"), "towers": .string("vision")]),
        Case(descriptor: BottleneckAdapters.houlsby, values: [:]),
        Case(descriptor: BottleneckAdapters.houlsby, values: ["layers": .string("upper"), "bottleneck": .int(5), "activation": .string("gelu")]),
        Case(descriptor: BottleneckAdapters.pfeiffer, values: ["towers": .string("text"), "reduction": .int(4)]),
        Case(descriptor: FullFineTuning.descriptor, values: [:]),
        Case(descriptor: FullFineTuning.descriptor, values: ["layers": .string("2"), "towers": .string("vision")]),
        Case(descriptor: CLIPPretraining.descriptor, values: [:]),
        Case(descriptor: CLIPPretraining.descriptor, values: ["token_embedding": .string("trained")]),
        Case(descriptor: BitFit.descriptor, values: [:]),
        Case(descriptor: BitFit.descriptor, values: ["layers": .string("upper"), "towers": .string("text")]),
        Case(descriptor: IA3.descriptor, values: [:]),
        Case(descriptor: IA3.descriptor, values: ["targets": .list(LinearSlot.allCases.map { .string($0.rawValue) }),
                                                  "layers": .string("2"), "towers": .string("vision")]),
        Case(descriptor: CLIPAdapter.descriptor, values: [:], startsEqual: false),
        Case(descriptor: CLIPAdapter.descriptor, values: ["towers": .string("both"), "reduction": .int(2), "alpha": .double(0.5)],
             startsEqual: false),
        Case(descriptor: CoOp.descriptor, values: ["n_ctx": .int(4)], startsEqual: false),
        Case(descriptor: CoOp.descriptor, values: ["n_ctx": .int(12)], startsEqual: false),  // truncates the 6-token row
        Case(descriptor: VPT.descriptor, values: [:], startsEqual: false),
        Case(descriptor: VPT.descriptor, values: ["depth": .string("shallow"), "n_prompts": .int(3)], startsEqual: false),
        Case(descriptor: VPT.descriptor, values: ["layers": .string("upper"), "n_prompts": .int(2)], startsEqual: false),
        Case(descriptor: MaPLe.descriptor, values: [:], startsEqual: false),
        Case(descriptor: MaPLe.descriptor, values: ["n_ctx": .int(3), "depth": .int(1)], startsEqual: false),
        Case(descriptor: PrefixTuning.descriptor, values: [:], startsEqual: false),
        Case(descriptor: PrefixTuning.descriptor, values: ["layers": .string("2"), "n_prompts": .int(3)], startsEqual: false),
        Case(descriptor: AdSCLIP.descriptor, values: [:]),
        Case(descriptor: AdSCLIP.descriptor, values: ["sharing": .string("bidirectional"), "layers": .string("all"),
                                                      "bottleneck": .int(5), "queue_length": .int(1)]),
        Case(descriptor: AdSCLIP.descriptor, values: ["sharing": .string("visual_to_text"), "layers": .string("all"),
                                                      "activation": .string("gelu")]),
        Case(descriptor: AdSCLIP.descriptor, values: ["sharing": .string("none"), "bottleneck": .int(4)]),
        Case(descriptor: DialCLIP.descriptor, values: [:], startsEqual: false),
        Case(descriptor: DialCLIP.descriptor, values: ["experts": .string("shared"), "prompt_depth": .int(1), "n_context_prompts": .int(3)],
             startsEqual: false),
        Case(descriptor: DialCLIP.descriptor, values: ["context_prompts": .bool(false), "domain_prompts": .bool(false)]),
    ]

    /// MSE-Adapter feeds a language model, not the CLIP heads: MSEAdapterTests holds its contract.
    func testEveryRegisteredMethodHasACase() {
        XCTAssertEqual(Set(Self.cases.map(\.descriptor.name)), Set(MethodRegistry.standard.names).subtracting(["mse-adapter"]))
    }

    /// Gives every trainable tensor non-trivial values, as after some training.
    private func perturb(_ trainable: [(String, Tensor)]) {
        for (i, (_, t)) in trainable.enumerated() {
            t.storage = randomTensor(t.shape, seed: UInt64(100 + i), std: 0.05, requiresGrad: false).storage
        }
    }

    private func encode(_ model: CLIPModel, _ method: any PEFTMethod) -> TowerFeatures {
        GradMode.noGrad { method.encode(TinyCLIP.input, model: model) }
    }

    func testContract() throws {
        let base = TinyCLIP.model()
        let frozen = GradMode.noGrad { StandardEncoding.encode(TinyCLIP.input, model: base) }
        let baseValues = base.baseParameters().map { $0.1.storage }
        for c in Self.cases {
            let label = "\(c.descriptor.name) \(ConfigValue.map(c.values).canonicalJSON)"
            let (model, method, trainable, _) = try TinyCLIP.apply(c.descriptor, c.values, base: base)

            // Parameter count equals the formula, and only the declared tensors are trainable.
            XCTAssertEqual(trainable.reduce(0) { $0 + $1.1.count },
                           c.descriptor.parameterCount(TinyCLIP.settings(c.descriptor, c.values), TinyCLIP.config), label)
            XCTAssertEqual(Set(model.trainableParameters().map { ObjectIdentifier($0.1) }),
                           Set(trainable.map { ObjectIdentifier($0.1) }), "\(label): trainable = declared")
            let paths = Dictionary(model.namedParameters().map { (ObjectIdentifier($0.1), $0.0) },
                                   uniquingKeysWith: { a, _ in a })
            for (name, tensor) in trainable { XCTAssertEqual(paths[ObjectIdentifier(tensor)], name, "\(label): path of \(name)") }

            // Starts equal to the frozen model.
            if c.startsEqual {
                let start = encode(model, method)
                assertClose(start.image!, frozen.image!, rtol: 1e-5, atol: 1e-6)
                assertClose(start.text!, frozen.text!, rtol: 1e-5, atol: 1e-6)
            }

            // A backward pass reaches exactly the declared tensors; the shared base never changes.
            perturb(trainable)
            let features = method.encode(TinyCLIP.input, model: model)
            if !trainable.isEmpty {
                ((features.image! * features.image!).sum() + (features.text! * features.text!).sum()).backward()
                for (name, t) in trainable { XCTAssertNotNil(t.grad, "\(label): \(name) got no gradient") }
            }
            XCTAssertTrue(base.baseParameters().allSatisfy { $0.1.grad == nil && !$0.1.requiresGrad }, label)
            XCTAssertEqual(base.baseParameters().map { $0.1.storage }, baseValues, "\(label): shared base unchanged")

            // Save → load: a fresh run's model with the saved values gives the same outputs.
            let trained = encode(model, method)
            let (copy, copyMethod, copyTrainable, _) = try TinyCLIP.apply(c.descriptor, c.values, base: base, seed: 77)
            XCTAssertEqual(copyTrainable.map(\.0), trainable.map(\.0), label)
            for ((_, to), (_, from)) in zip(copyTrainable, trainable) { to.storage = from.storage }
            let reloaded = encode(copy, copyMethod)
            XCTAssertEqual(reloaded.image!.storage, trained.image!.storage, "\(label): save → load")
            XCTAssertEqual(reloaded.text!.storage, trained.text!.storage, "\(label): save → load")

            // Reach: the method's encoding with a tower started from the frozen prefix's state (as the loop feeds
            // it from the feature cache) gives the same output.
            for tower in TowerKind.allCases {
                guard case .fromLayer(let k) = method.reach(tower, in: model), k > 0 else { continue }
                let resumed: Tensor = GradMode.noGrad {
                    var input = TinyCLIP.input
                    if tower == .vision {
                        var s = base.vision.begin(pixels: TinyCLIP.pixels)
                        base.vision.run(&s, until: k)
                        input.vision = .hidden(s.hidden, layer: k, poolPositions: s.poolPositions, attentionMask: nil)
                        return method.encode(input, model: model).image!
                    }
                    var s = base.text.begin(TinyCLIP.tokens)
                    base.text.run(&s, until: k)
                    input.text = .hidden(s.hidden, layer: k, poolPositions: s.poolPositions, attentionMask: s.attentionMask)
                    return method.encode(input, model: model).text!
                }
                assertClose(resumed, tower == .vision ? trained.image! : trained.text!, rtol: 1e-5, atol: 1e-6)
            }
        }
    }

    /// Records, before each layer, whether the residual stream entering it carries a graph (runs first among the hooks).
    final class GraphProbe: TowerHook {
        let hookName = "graph_probe"
        var recorded: [Int: Bool] = [:]
        func beforeLayer(_ layer: Int, state: inout TowerState) { recorded[layer] = state.hidden.hasGraph }
        func namedParameters() -> [(String, Tensor)] { [] }
    }

    /// Frozen layers below the first trainable module record no graph, so they keep no activations for backward.
    func testLayersBelowTheReachRecordNoGraph() throws {
        let base = TinyCLIP.model()
        for c in Self.cases {
            let label = "\(c.descriptor.name) \(ConfigValue.map(c.values).canonicalJSON)"
            let (model, method, _, _) = try TinyCLIP.apply(c.descriptor, c.values, base: base)
            let probes = (GraphProbe(), GraphProbe())
            model.text.hooks.insert(probes.0, at: 0)
            model.vision.hooks.insert(probes.1, at: 0)
            _ = method.encode(TinyCLIP.input, model: model)
            for (tower, probe) in [(TowerKind.text, probes.0), (.vision, probes.1)] {
                let first: Int
                switch method.reach(tower, in: model) {
                case .frozen: first = model.layers(tower).count
                case .fromLayer(let k): first = k
                }
                guard first > 0 else { continue }  // a method reaching layer 0 may feed it learned inputs
                for layer in 0 ... min(first, model.layers(tower).count - 1) {
                    guard let hasGraph = probe.recorded[layer] else { continue }
                    XCTAssertFalse(hasGraph, "\(label): \(tower.rawValue) layer \(layer) input has a graph below the reach \(first)")
                }
            }
        }
    }

    func testTwoRunsOverOneBaseDoNotSeeEachOthersWrappers() throws {
        let base = TinyCLIP.model()
        let (a, _, _, _) = try TinyCLIP.apply(LoRA.descriptor, [:], base: base)
        let (b, _, _, _) = try TinyCLIP.apply(BottleneckAdapters.houlsby, [:], base: base)
        XCTAssertTrue(a.vision.layers[0].qProj is LoRALinear)
        XCTAssertFalse(b.vision.layers[0].qProj is LoRALinear)
        XCTAssertTrue(a.vision.layers[0].mlpAdapters.isEmpty)
        XCTAssertEqual(b.vision.layers[0].mlpAdapters.count, 1)
        XCTAssertFalse(base.vision.layers[0].qProj is LoRALinear)
        XCTAssertTrue(base.vision.layers[0].mlpAdapters.isEmpty)
        XCTAssertTrue(a.vision.layers[0].qProj.base.weight === base.vision.layers[0].qProj.base.weight, "weights are shared")
    }

    func testLayerRangesParseAndResolve() {
        XCTAssertEqual(LayerRange(validated: "upper").indices(layers: 12), Array(6 ..< 12))
        XCTAssertEqual(LayerRange(validated: "7-12").indices(layers: 12), Array(6 ..< 12))
        XCTAssertEqual(LayerRange(validated: "lower").indices(layers: 12), Array(0 ..< 6))
        XCTAssertEqual(LayerRange(validated: "3").indices(layers: 12), [2])
        XCTAssertNotNil(LayerRange(validated: "7-13").check(layers: 12))
        XCTAssertNil(LayerRange(validated: "7-12").check(layers: 12))
        for bad in ["0-3", "5-2", "x", "1-2-3", ""] {
            if case .success = LayerRange.parse(bad) { XCTFail("'\(bad)' should not parse") }
        }
        let problems = LoRA.descriptor.check(TinyCLIP.settings(LoRA.descriptor, ["layers": .string("2-3")]), TinyCLIP.config)
        XCTAssertEqual(problems.map(\.parameter), ["layers", "layers"], "both towers have 2 layers")
    }
}

/// Text padded to the batch's longest caption gives what 77-token (max-length) padding gives: causal attention and
/// the key-padding mask keep the real tokens' states independent of the padding.
final class PaddingTests: XCTestCase {
    func testPaddingToTheLongestRowEqualsMaxLengthPadding() {
        let model = TinyCLIP.model()
        let rows = [[62, 5, 9, 63], [62, 7, 63], [62, 1, 2, 3, 4, 63]]
        let longest = TokenBatch(rows: rows, padding: .longest, maxLength: 16, padTokenId: 0)
        let full = TokenBatch(rows: rows, padding: .maxLength, maxLength: 16, padTokenId: 0)
        XCTAssertEqual(longest.length, 6)
        XCTAssertEqual(full.length, 16)
        GradMode.noGrad { assertClose(model.encodeTexts(longest), model.encodeTexts(full), rtol: 1e-5, atol: 1e-6) }
    }
}
