import ArgumentParser
import PEFTData

/// `--alpha white|drop` for the commands that decode images.
extension AlphaPolicy: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "white": self = .compositeOnWhite
        case "drop": self = .drop
        default: return nil
        }
    }

    public var defaultValueDescription: String { self == .drop ? "drop" : "white" }

    public static var allValueStrings: [String] { ["white", "drop"] }

    /// The help text every `--alpha` option shares.
    static let help = ArgumentHelp(
        "Transparent pixels: 'white' composites them on white (transformers >= 5's convert_to_rgb, the default); "
            + "'drop' keeps the stored colour (Pillow's convert(\"RGB\"): transformers 4.x, OpenAI CLIP).",
        valueName: "white|drop")
}
