#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard output and standard error (what `FileHandle.standardOutput.write`
/// did, without swift-corelibs-foundation): each call is written at once, so the two streams stay
/// in order on a terminal, and nothing waits in a buffer if the process is killed.
package enum StandardStream {
    case output, error

    package func write(_ text: String) {
        let fd: Int32 = self == .output ? 1 : 2
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = LibC.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return  // a closed pipe: nothing more can be said there
                }
                offset += n
            }
        }
    }
}

