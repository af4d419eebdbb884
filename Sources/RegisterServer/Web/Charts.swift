import Foundation
import RegisterReports

/// Bar charts drawn on the server as inline SVG: no script, no style attribute (the pages' CSP
/// forbids both), only presentation attributes and `lr-chart*` classes.
///
/// Each chart is readable without colour: every bar carries its value (and what it counts) as text,
/// a second series is hatched as well as coloured, and the table beside the chart holds the same
/// figures for anyone who cannot see it (`role="img"`, named by its `<title>` and `<desc>`).
enum Charts {
    /// One bar: its row label, its value, and the words written beside it ("50% assured").
    struct Bar {
        var value: Double?
        var text: String
        /// A hatched bar (the second series of a row), so it differs by more than colour.
        var hatched = false
    }

    /// One row of the chart: a label and one or more bars.
    struct Row {
        var label: String
        var bars: [Bar]
    }

    /// A horizontal bar chart. `id` must be unique on the page (it names the title, the
    /// description and the hatching). `scale` is the value range drawn: `0...100` for percentages;
    /// nil takes it from the values (including zero, so negative values go left of a zero line).
    static func bars(
        id: String, title: String, description: String, rows: [Row], scale: ClosedRange<Double>? = nil, ticks: [Double]? = nil,
        tickText: (Double) -> String = { Number.short($0) }
    ) -> String {
        // Each row's label is written on its own line above its bars, in full, so long names need no cutting.
        let left = 4.0, plotWidth = 430.0, valueWidth = 196.0, labelHeight = 18.0, barHeight = 16.0, barGap = 4.0, rowGap = 12.0, top = 8.0
        let width = left + plotWidth + valueWidth
        let values = rows.flatMap { $0.bars.compactMap(\.value) }
        var range = scale ?? (min(0, values.min() ?? 0)...max(0, values.max() ?? 0))
        if range.upperBound - range.lowerBound < 1e-9 { range = range.lowerBound...(range.lowerBound + 1) }
        func x(_ value: Double) -> Double {
            let clamped = Swift.min(Swift.max(value, range.lowerBound), range.upperBound)
            return left + (clamped - range.lowerBound) / (range.upperBound - range.lowerBound) * plotWidth
        }
        let zero = x(0)
        var y = top
        var body = ""
        for (index, row) in rows.enumerated() {
            let barsHeight = Double(max(row.bars.count, 1)) * (barHeight + barGap) - barGap
            let rowHeight = labelHeight + barsHeight
            if index % 2 == 1 {
                body += ##"<rect class="lr-chart__stripe" fill="#f3f2f1" x="0" y="\##(f(y - rowGap / 2))" width="\##(f(width))" height="\##(f(rowHeight + rowGap))"/>"##
            }
            body += ##"<text class="lr-chart__label" x="\##(f(left))" y="\##(f(y + 13))">\##(escape(truncated(row.label, 80)))</text>"##
            for (number, bar) in row.bars.enumerated() {
                let barY = y + labelHeight + Double(number) * (barHeight + barGap)
                if let value = bar.value {
                    let start = Swift.min(zero, x(value)), end = Swift.max(zero, x(value))
                    // A zero still shows a hairline, so "0%" has a bar to sit beside.
                    let barWidth = Swift.max(end - start, 1.5)
                    let look = bar.hatched
                        ? ##"class="lr-chart__bar-hatched" fill="url(#\##(id)-hatch)" stroke="#942514" stroke-width="1""##
                        : ##"class="lr-chart__bar" fill="#1d70b8""##
                    body += ##"<rect \##(look) x="\##(f(start))" y="\##(f(barY))" width="\##(f(barWidth))" height="\##(f(barHeight))"/>"##
                }
                let textX = bar.value.map { x(Swift.max($0, 0)) + 6 } ?? zero + 6
                body += ##"<text class="lr-chart__value" x="\##(f(Swift.max(textX, zero + 6)))" y="\##(f(barY + barHeight - 3))">\##(escape(bar.text))</text>"##
            }
            y += rowHeight + rowGap
        }
        let plotBottom = Swift.max(y - rowGap / 2, top + 10)
        var axis = ""
        for tick in ticks ?? [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound] {
            let tx = x(tick)
            axis += ##"<line class="lr-chart__grid" x1="\##(f(tx))" y1="\##(f(top - 4))" x2="\##(f(tx))" y2="\##(f(plotBottom))" stroke="#b1b4b6" stroke-width="1"/>"##
            let anchor = tx < left + 30 ? "start" : "middle"
            axis += ##"<text class="lr-chart__tick" x="\##(f(tx))" y="\##(f(plotBottom + 16))" text-anchor="\##(anchor)">\##(escape(tickText(tick)))</text>"##
        }
        axis += ##"<line class="lr-chart__axis" x1="\##(f(zero))" y1="\##(f(top - 4))" x2="\##(f(zero))" y2="\##(f(plotBottom))" stroke="#0b0c0c" stroke-width="2"/>"##
        let height = plotBottom + 24
        let hatch = rows.contains { $0.bars.contains(where: \.hatched) }
            ? ##"<defs><pattern id="\##(id)-hatch" patternUnits="userSpaceOnUse" width="6" height="6"><rect width="6" height="6" fill="#f6d7d2"/><path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="#942514" stroke-width="1.5"/></pattern></defs>"##
            : ""
        let empty = rows.isEmpty
            ? ##"<text class="lr-chart__label" x="\##(f(left))" y="\##(f(top + 12))">Nothing to show.</text>"##
            : ""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="lr-chart__svg" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            viewBox="0 0 \(f(width)) \(f(height))" width="\(f(width))" height="\(f(height))" focusable="false">\
            <title id="\(id)-title">\(escape(title))</title><desc id="\(id)-desc">\(escape(description))</desc>\
            \(hatch)\(body)\(axis)\(empty)</svg>
            """
    }

    /// A number with at most one decimal, in SVG coordinates.
    private static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private static func truncated(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// Escapes text for SVG (XML) content and attribute values: the printable report's escaping.
    static func escape(_ text: String) -> String { HTMLComplianceWriter.escape(text) }
}

/// Figures as the pages write them.
enum Number {
    /// 50, 12.5, -3 (at most one decimal, none when whole).
    static func short(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// Median days from the due date to accepted evidence, in words: "12 days late", "3 days early", "on the day".
    static func days(_ value: Double?) -> String {
        guard let value else { return "No accepted evidence" }
        let n = short(abs(value))
        if abs(value) < 0.05 { return "On the due date" }
        let unit = n == "1" ? "day" : "days"
        return value > 0 ? "\(n) \(unit) late" : "\(n) \(unit) early"
    }
}
