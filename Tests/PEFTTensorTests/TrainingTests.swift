@testable import PEFTTensor
import PEFTTestSupport
import XCTest

/// The engine learns: a 2-layer MLP and a tiny transformer classifier reach > 95 % held-out accuracy.
final class TrainingTests: XCTestCase {
    /// XOR of the signs of two coordinates: not linearly separable.
    private func xorData(_ n: Int, rng: inout RNG) -> (Tensor, [Int]) {
        let x = Tensor.uniform([n, 2], low: -1, high: 1, rng: &rng)
        let labels = (0..<n).map { x.storage[2 * $0] * x.storage[2 * $0 + 1] > 0 ? 1 : 0 }
        return (x, labels)
    }

    private func accuracy(_ logits: Tensor, _ labels: [Int]) -> Double {
        let c = logits.shape[1]
        let correct = labels.indices.filter { i in
            let row = logits.storage[(i * c)..<((i + 1) * c)]
            return row.firstIndex(of: row.max() ?? 0) == i * c + labels[i]
        }.count
        return Double(correct) / Double(labels.count)
    }

    func testTwoLayerMLPLearnsXOR() {
        var rng = RNG(seed: 11)
        let hidden = Linear(inputSize: 2, outputSize: 64, rng: &rng), head = Linear(inputSize: 64, outputSize: 2, rng: &rng)
        let params = prefixed("hidden", hidden.namedParameters()) + prefixed("head", head.namedParameters())
        let (train, trainLabels) = xorData(1024, rng: &rng), (test, testLabels) = xorData(512, rng: &rng)
        let opt = AdamW(weightDecay: 0)
        let schedule = LRSchedule(warmupSteps: 20, totalSteps: 400, kind: .cosine, baseLR: 2e-2)
        for step in 0..<400 {
            params.forEach { $0.1.zeroGrad() }
            head(hidden(train).relu()).crossEntropy(targets: trainLabels).backward()
            opt.step(params, lr: schedule.lr(at: step))
        }
        let acc = accuracy(GradMode.noGrad { head(hidden(test).relu()) }, testLabels)
        XCTAssertGreaterThan(acc, 0.95)
    }

    /// Does marker token 1 occur among the real tokens? Sequences are *left*-padded with the marker itself, so a model
    /// that ignores the padding mask sees markers everywhere; pooling reads the last position, which causal attention
    /// alone would let see the padding.
    func testTinyTransformerClassifierLearnsWithCausalAndPaddingMasks() {
        let (vocab, length, width) = (8, 8, 16)
        var rng = RNG(seed: 12)
        func sample(_ n: Int) -> (tokens: [[Int]], masks: [[Int]], labels: [Int]) {
            var tokens: [[Int]] = [], masks: [[Int]] = [], labels: [Int] = []
            for i in 0..<n {
                let real = 3 + rng.nextInt(below: length - 2)
                var seq = (0..<real).map { _ in 2 + rng.nextInt(below: vocab - 2) }
                let positive = i % 2 == 0
                if positive { seq[rng.nextInt(below: real)] = 1 }
                tokens.append([Int](repeating: 1, count: length - real) + seq)
                masks.append([Int](repeating: 0, count: length - real) + [Int](repeating: 1, count: real))
                labels.append(positive ? 1 : 0)
            }
            return (tokens, masks, labels)
        }
        let tokenEmbedding = Embedding(count: vocab, dim: width, std: 0.5, rng: &rng)
        let positionEmbedding = Embedding(count: length, dim: width, std: 0.5, rng: &rng)
        let layer = ReferenceEncoderLayer(width: width, heads: 2, mlpWidth: 32, rng: &rng)
        let finalNorm = LayerNorm(dim: width), head = Linear(inputSize: width, outputSize: 2, rng: &rng)
        let params = prefixed("tok", tokenEmbedding.namedParameters()) + prefixed("pos", positionEmbedding.namedParameters())
            + prefixed("layer", layer.namedParameters()) + prefixed("norm", finalNorm.namedParameters())
            + prefixed("head", head.namedParameters())
        func logits(_ batch: (tokens: [[Int]], masks: [[Int]], labels: [Int])) -> Tensor {
            let b = batch.tokens.count
            let x = tokenEmbedding(batch.tokens.flatMap { $0 }).reshaped([b, length, width])
                + positionEmbedding.weight
            let mask = Tensor.causalMask(length: length) + Tensor.paddingMask(batch.masks)
            let states = finalNorm(layer(x, mask: mask)).reshaped([b * length, width])
            return head(states.indexSelect(axis: 0, indices: (0..<b).map { $0 * length + length - 1 }))
        }
        let train = sample(1024), test = sample(512)
        let opt = AdamW(weightDecay: 0.01)
        let steps = 300, batch = 64
        let schedule = LRSchedule(warmupSteps: 20, totalSteps: steps, kind: .cosine, baseLR: 1e-2, minLR: 1e-4)
        for step in 0..<steps {
            let order = RNG(seed: 13, stream: UInt64(step)).permutation(train.labels.count).prefix(batch)
            let mini = (order.map { train.tokens[$0] }, order.map { train.masks[$0] }, order.map { train.labels[$0] })
            params.forEach { $0.1.zeroGrad() }
            logits(mini).crossEntropy(targets: mini.2).backward()
            clipGradNorm(params, maxNorm: 1)
            opt.step(params, lr: schedule.lr(at: step))
        }
        let acc = accuracy(GradMode.noGrad { logits(test) }, test.labels)
        XCTAssertGreaterThan(acc, 0.95)
    }
}
