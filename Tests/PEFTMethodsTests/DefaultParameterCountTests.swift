import PEFTCLIP
import XCTest
@testable import PEFTMethods

/// Every registered method's parameter count at ViT-B/32 shapes (`CLIPConfig()`, 151 277 313 parameters) with its
/// defaults: the figures of the README's methods table.
final class DefaultParameterCountTests: XCTestCase {
    static let expected: [String: Int] = [
        "linear-probe": 0,
        "full": 151_277_312,
        "clip-pretrain": 125_980_416,  // full less the 49 408 × 512 token embedding
        "bitfit": 171_008,
        "lora": 491_520,
        "ia3": 92_160,
        "houlsby": 2_588_544,
        "pfeiffer": 1_294_272,
        "clip-adapter": 131_072,
        "coop": 8_192,
        "vpt": 73_728,
        "maple": 3_555_072,
        "prefix": 49_152,
        "ads-clip": 1_065_984,
        "dialclip": 62_472,
    ]

    /// MSE-Adapter's count depends on its language model's width: MSEAdapterTests checks it at d = 4 096.
    func testEveryMethodAtViTB32Defaults() {
        let config = CLIPConfig()
        XCTAssertEqual(config.parameterCount, 151_277_313)
        XCTAssertEqual(Set(Self.expected.keys), Set(MethodRegistry.standard.names).subtracting(["mse-adapter"]))
        for name in Self.expected.keys.sorted() {
            let d = MethodRegistry.standard[name]!
            XCTAssertEqual(d.parameterCount(d.settings(nil), config), Self.expected[name], name)
        }
    }
}
