/// Why an MSE-Adapter run cannot be built from its settings or data; the message names the setting or feature.
public struct MSEAdapterError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
