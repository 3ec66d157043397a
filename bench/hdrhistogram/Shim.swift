import Foundation
extension Double {
    @usableFromInline static func pow(_ x: Double, _ n: Int) -> Double { Foundation.pow(x, Double(n)) }
    @usableFromInline static func log2(_ x: Double) -> Double { Foundation.log2(x) }
}
