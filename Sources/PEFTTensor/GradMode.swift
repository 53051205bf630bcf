/// Whether ops record the autograd graph, per thread (several training runs share the process).
///
/// Inside `noGrad { … }` no op records inputs or backward closures, whatever `requiresGrad` says: evaluation and
/// feature caching keep no activations. The setting is thread-local, so a run evaluating on one worker thread does
/// not switch off recording for a run training on another.
public enum GradMode {
    private static let enabled = ThreadLocal<Bool>(default: true)

    /// True unless the current thread is inside `noGrad`.
    public static var isEnabled: Bool { enabled.value }

    /// Runs `body` with graph recording off on the current thread, restoring the previous mode afterwards.
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        try with(enabled: false, body)
    }

    /// Runs `body` with graph recording set to `enabled` on the current thread.
    public static func with<T>(enabled isOn: Bool, _ body: () throws -> T) rethrows -> T {
        let previous = enabled.value
        enabled.value = isOn
        defer { enabled.value = previous }
        return try body()
    }
}
