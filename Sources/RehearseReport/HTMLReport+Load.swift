#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RehearseModel
import RehearseResults

/// Latency over time for each load case: p50, p99 and the slowest response of every second as
/// lines in an inline SVG (no script, no library), on a logarithmic axis so a 1 s stall and a
/// 3 ms median both read. Seconds with failed or dropped requests get a red mark on the axis.
enum LatencyChart {
    static let width = 640, height = 220, left = 56, right = 12, top = 12, bottom = 28

    static func section(_ report: RunReport) -> String {
        let loads = report.results.filter { ($0.load?.detail.timeline.count ?? 0) > 0 }
        guard !loads.isEmpty else { return "" }
        var out = "<section class=\"load\">\n<h2>Load: latency over time</h2>\n"
        for r in loads {
            guard let l = r.load else { continue }
            out += "<article><h3><code>\(HTMLReport.e(r.fullID))</code> <small>\(HTMLReport.e(l.detail.model.rawValue) ) model</small></h3>\n"
            out += "<p>\(HTMLReport.e(l.summaryLine))</p>\n"
            out += svg(l.detail.timeline) + "</article>\n"
        }
        return out + "</section>\n"
    }

    static func svg(_ rows: [LoadSecond]) -> String {
        let series: [(name: String, color: String, value: (LoadSecond) -> Duration?)] = [
            ("p50", "#2b6cb0", { $0.p50 }), ("p99", "#dd6b20", { $0.p99 }), ("max", "#a0aec0", { $0.max }),
        ]
        let values = rows.flatMap { row in series.compactMap { $0.value(row)?.milliseconds } }.filter { $0 > 0 }
        let low = pow10(floor: values.min() ?? 1), high = pow10(ceil: values.max() ?? 10)
        let lastSecond = max(rows.map(\.second).max() ?? 0, 1)
        let plotW = Double(width - left - right), plotH = Double(height - top - bottom)
        func x(_ second: Int) -> Double { Double(left) + plotW * (Double(second) + 0.5) / Double(lastSecond + 1) }
        func y(_ ms: Double) -> Double {
            let v = max(ms, low)
            return Double(top) + plotH * (1 - (log10(v) - log10(low)) / max(log10(high) - log10(low), 1e-9))
        }
        var out = "<svg class=\"latency\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        out += "<title>Latency per second: p50, p99 and max</title>"
        // Decades on the axis: 1ms, 10ms, 100ms, 1s…
        var tick = low
        while tick <= high * 1.0001 {
            let ty = f(y(tick))
            out += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(ty)\" y2=\"\(ty)\" stroke=\"#e2e8f0\"/>"
            out += "<text x=\"\(left - 4)\" y=\"\(ty)\" font-size=\"10\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTMLReport.e(LoadStats.shortDuration(.nanoseconds(Int64(tick * 1e6)))))</text>"
            tick *= 10
        }
        let axisY = height - bottom
        out += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(axisY)\" y2=\"\(axisY)\" stroke=\"#718096\"/>"
        let step = max(1, (lastSecond + 1) / 10)
        for s in stride(from: 0, through: lastSecond, by: step) {
            out += "<text x=\"\(f(x(s)))\" y=\"\(axisY + 14)\" font-size=\"10\" text-anchor=\"middle\">\(s)s</text>"
        }
        for row in rows where row.errors > 0 || row.dropped > 0 {
            out += "<rect x=\"\(f(x(row.second) - 2))\" y=\"\(axisY - 4)\" width=\"4\" height=\"4\" fill=\"#c53030\">"
            out += "<title>\(row.second)s: \(row.errors) failed, \(row.dropped) dropped</title></rect>"
        }
        for (i, s) in series.enumerated() {
            let points = rows.compactMap { row in s.value(row).map { "\(f(x(row.second))),\(f(y($0.milliseconds)))" } }
            guard !points.isEmpty else { continue }
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(i == 2 ? 1 : 2)\" points=\"\(points.joined(separator: " "))\"/>"
            out += "<text x=\"\(left + 8 + i * 48)\" y=\"\(top + 10)\" font-size=\"11\" fill=\"\(s.color)\">\(s.name)</text>"
        }
        return out + "</svg>\n"
    }

    static func f(_ v: Double) -> String { String(Double(Int((v * 10).rounded())) / 10) }

    static func pow10(floor v: Double) -> Double {
        var p = 1e-3
        while p * 10 <= v { p *= 10 }
        return p
    }

    static func pow10(ceil v: Double) -> Double {
        var p = 1e-3
        while p < v { p *= 10 }
        return max(p, 1e-2)
    }
}
