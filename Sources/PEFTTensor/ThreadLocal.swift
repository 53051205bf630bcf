#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value with one independent copy per thread (pthread keys), starting at `default` on every thread.
final class ThreadLocal<Value>: @unchecked Sendable {
    private final class Box { var value: Value; init(_ value: Value) { self.value = value } }

    private var key = pthread_key_t()
    private let defaultValue: Value

    init(default value: Value) {
        defaultValue = value
        pthread_key_create(&key) { pointer in
            #if canImport(Glibc)
            guard let pointer else { return }
            #endif
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
        }
    }

    /// The current thread's value.
    var value: Value {
        get { box.value }
        set { box.value = newValue }
    }

    private var box: Box {
        if let raw = pthread_getspecific(key) { return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue() }
        let fresh = Box(defaultValue)
        pthread_setspecific(key, Unmanaged.passRetained(fresh as AnyObject).toOpaque())
        return fresh
    }
}
