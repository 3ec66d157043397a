#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseResults

/// A small timeline of a failed stream case: one row per stream step, a tick for each message
/// at its arrival time, so a slow first token or a long pause is visible at a glance.
enum StreamTimeline {
    static let labelWidth = 120, plotWidth = 460, rowHeight = 22

    static func svg(_ steps: [StreamStepStats]) -> String {
        let rows = steps.filter { !$0.arrivals.isEmpty }
        guard !rows.isEmpty else { return "" }
        let end = rows.flatMap(\.arrivals).max() ?? .zero
        let span = max(end.milliseconds, 1)
        let width = labelWidth + plotWidth + 70, height = rows.count * rowHeight + 6
        var out = "<figure class=\"timeline\"><svg width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"stream timeline\">"
        for (i, s) in rows.enumerated() {
            let y = i * rowHeight + 14
            out += "<text x=\"0\" y=\"\(y + 4)\" font-size=\"11\">step \(s.step) \(HTMLReport.e(s.kind))</text>"
            out += "<line x1=\"\(labelWidth)\" y1=\"\(y)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(y)\" stroke=\"#ccc\"/>"
            for a in s.arrivals {
                let x = labelWidth + Int((a.milliseconds / span * Double(plotWidth)).rounded())
                out += "<line x1=\"\(x)\" y1=\"\(y - 6)\" x2=\"\(x)\" y2=\"\(y + 6)\" stroke=\"#36c\"/>"
            }
            out += "<text x=\"\(labelWidth + plotWidth + 6)\" y=\"\(y + 4)\" font-size=\"11\">\(HTMLReport.e(s.summary))</text>"
        }
        out += "</svg><figcaption>messages over time, 0 to \(HTMLReport.e(DurationParser.format(end)))</figcaption></figure>\n"
        return out
    }
}
