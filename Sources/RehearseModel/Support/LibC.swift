#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's `read`, `write` and `exit` under names no Swift method shadows (a type's own
/// `write(_:)` or ArgumentParser's `exit(withError:)` would), on every platform the package builds for.
package enum LibC {
    #if canImport(Glibc)
    package static let read = Glibc.read
    package static let write = Glibc.write
    package static let exit = Glibc.exit
    #elseif canImport(Musl)
    package static let read = Musl.read
    package static let write = Musl.write
    package static let exit = Musl.exit
    #elseif canImport(Darwin)
    package static let read = Darwin.read
    package static let write = Darwin.write
    package static let exit = Darwin.exit
    #endif
}
