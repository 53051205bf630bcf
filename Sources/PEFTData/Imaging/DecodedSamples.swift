/// How the bytes of a decoded image are laid out before conversion to RGB.
enum SampleLayout: Sendable, Equatable {
    /// One byte per pixel.
    case grey
    /// Grey then alpha.
    case greyAlpha
    /// R, G, B.
    case rgb
    /// R, G, B, alpha.
    case rgba
    /// C, M, Y, K as stored by Adobe-convention JPEGs (inverted: 0 means full ink); Pillow reads these as "CMYK;I".
    case cmykInverted

    /// Bytes per pixel.
    var channels: Int {
        switch self {
        case .grey: return 1
        case .greyAlpha: return 2
        case .rgb: return 3
        case .rgba, .cmykInverted: return 4
        }
    }

    /// True when the layout carries an alpha channel.
    var hasAlpha: Bool { self == .greyAlpha || self == .rgba }
}

/// 8-bit samples straight out of a codec: the input to `PillowConversion.toRGB`.
struct DecodedSamples: Sendable {
    var width: Int
    var height: Int
    var layout: SampleLayout
    /// `width * height * layout.channels` bytes, row-major.
    var bytes: [UInt8]
}

/// Reads a C `char[N]` message buffer (imported as a tuple) up to its NUL.
func cMessage<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
