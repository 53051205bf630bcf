import Foundation

/// How images are turned into CLIP's pixel tensor (`preprocessor_config.json`, `CLIPImageProcessor`):
/// resize the shortest edge with `resample`, centre-crop, rescale to [0, 1], normalise by `imageMean`/`imageStd`.
///
/// PEFTCLIP only reads and writes this file; the pixel pipeline itself lives in PEFTData.
public struct CLIPPreprocessorConfig: Equatable, Sendable {
    /// Target of the shortest edge after resizing (`size` or `size.shortest_edge`).
    public var shortestEdge = 224
    /// Centre-crop height and width (`crop_size` or `crop_size.height/width`).
    public var cropHeight = 224
    /// Centre-crop width.
    public var cropWidth = 224
    /// Per-channel means subtracted after rescaling (`image_mean`, OpenAI CLIP's values).
    public var imageMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    /// Per-channel standard deviations (`image_std`).
    public var imageStd: [Double] = [0.26862954, 0.26130258, 0.27577711]
    /// PIL resampling filter id (`resample`; 3 = bicubic).
    public var resample = 3
    /// Factor applied to 0…255 values (`rescale_factor`, 1/255).
    public var rescaleFactor = 1.0 / 255.0
    /// Whether to resize (`do_resize`).
    public var doResize = true
    /// Whether to centre-crop (`do_center_crop`).
    public var doCenterCrop = true
    /// Whether to rescale (`do_rescale`).
    public var doRescale = true
    /// Whether to normalise (`do_normalize`).
    public var doNormalize = true
    /// Whether to convert to RGB first (`do_convert_rgb`).
    public var doConvertRGB = true

    /// OpenAI CLIP's preprocessing at 224 pixels.
    public init() {}

    /// OpenAI CLIP's preprocessing at `imageSize` pixels (shortest edge and crop both `imageSize`).
    public init(imageSize: Int) {
        shortestEdge = imageSize
        cropHeight = imageSize
        cropWidth = imageSize
    }

    /// Reads `preprocessor_config.json`, accepting both the old (`size: 224`) and new (`size: {shortest_edge}`) forms.
    ///
    /// - Throws: `CheckpointError.missingFile` or `.badConfig` naming the field.
    public static func load(from url: URL) throws -> CLIPPreprocessorConfig {
        let json = try JSONObject.read(url)
        var config = CLIPPreprocessorConfig()
        if json.values["size"] is [String: Any] {
            let size = try json.object("size")
            config.shortestEdge = try size.int("shortest_edge", default: config.shortestEdge, minimum: 1)
        } else {
            config.shortestEdge = try json.int("size", default: config.shortestEdge, minimum: 1)
        }
        if json.values["crop_size"] is [String: Any] {
            let crop = try json.object("crop_size")
            config.cropHeight = try crop.int("height", default: config.cropHeight, minimum: 1)
            config.cropWidth = try crop.int("width", default: config.cropWidth, minimum: 1)
        } else {
            let side = try json.int("crop_size", default: config.cropHeight, minimum: 1)
            config.cropHeight = side
            config.cropWidth = side
        }
        config.imageMean = try json.doubles("image_mean", default: config.imageMean)
        config.imageStd = try json.doubles("image_std", default: config.imageStd)
        if config.imageMean.count != 3 { throw json.error("image_mean", expected: "3 numbers", found: config.imageMean) }
        if config.imageStd.count != 3 || config.imageStd.contains(where: { $0 <= 0 }) {
            throw json.error("image_std", expected: "3 positive numbers", found: config.imageStd)
        }
        config.resample = try json.int("resample", default: config.resample, minimum: 0)
        config.rescaleFactor = try json.double("rescale_factor", default: config.rescaleFactor)
        config.doResize = try json.bool("do_resize", default: true)
        config.doCenterCrop = try json.bool("do_center_crop", default: true)
        config.doRescale = try json.bool("do_rescale", default: true)
        config.doNormalize = try json.bool("do_normalize", default: true)
        config.doConvertRGB = try json.bool("do_convert_rgb", default: true)
        return config
    }

    /// The file in the current transformers form.
    public func jsonObject() -> [String: Any] {
        [
            "image_processor_type": "CLIPImageProcessor", "processor_class": "CLIPProcessor",
            "size": ["shortest_edge": shortestEdge], "crop_size": ["height": cropHeight, "width": cropWidth],
            "image_mean": imageMean, "image_std": imageStd, "resample": resample, "rescale_factor": rescaleFactor,
            "do_resize": doResize, "do_center_crop": doCenterCrop, "do_rescale": doRescale,
            "do_normalize": doNormalize, "do_convert_rgb": doConvertRGB,
        ]
    }

    /// Writes `jsonObject()` to `url`.
    ///
    /// - Throws: `CheckpointError.io`.
    public func write(to url: URL) throws {
        try writeJSON(jsonObject(), to: url)
    }
}
