#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RehearseModel

/// What the installed binary runs in place of swift-corelibs-foundation's `JSONSerialization` and
/// `RunLoop`, which it does not link (scripts/install.sh points their symbols here). Only two
/// public helpers of NIOFoundationCompat refer to them, and nothing in rehearse calls those; were
/// one ever called, this says so instead of jumping nowhere.
@_cdecl("rehearse_foundation_not_linked")
public func foundationNotLinked() -> Never {
    StandardStream.error.write("rehearse: internal error: code that needs swift-corelibs-foundation (JSONSerialization or RunLoop) was called, and this build does not link it; please report this\n")
    abort()
}
