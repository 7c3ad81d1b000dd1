/// The report's style sheet, inline in the page.
enum ReportStyle {
    static let css = """
        body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
        h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; } .sub { color: #59636e; margin-bottom: 12px; }
        .banner { display: flex; align-items: baseline; gap: 12px; padding: 10px 14px; border-radius: 6px; margin-bottom: 14px; font-size: 16px; }
        .banner b { font-size: 18px; } .banner span { color: #1f2328; }
        .banner.passed { background: #dafbe1; border: 1px solid #4ac26b; } .banner.passed b { color: #1a7f37; }
        .banner.failed { background: #ffebe9; border: 1px solid #ff8182; } .banner.failed b { color: #cf222e; }
        .banner.interrupted, .banner.unfinished { background: #fbefff; border: 1px solid #c297ff; } .banner.interrupted b, .banner.unfinished b { color: #8250df; }
        .figures { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 16px; }
        .figure { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
        .figure b { display: block; font-size: 18px; } .figure span { color: #59636e; font-size: 12px; }
        .failure { border-left: 4px solid #cf222e; background: #ffebe9; padding: 8px 12px; margin-bottom: 8px; border-radius: 4px; }
        .failure.tolerated { border-left-color: #e16f24; background: #fff1e5; }
        .failure pre { margin: 6px 0 0; white-space: pre-wrap; font-size: 12px; }
        .warning { border-left: 4px solid #bf8700; background: #fff8c5; padding: 6px 12px; margin-bottom: 6px; border-radius: 4px; }
        .unfinished { border-left: 4px solid #8250df; background: #fbefff; padding: 6px 12px; margin-bottom: 12px; }
        .notrun { margin: 4px 0; } .notrun code { background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
        .note-path { color: #59636e; font-size: 12px; margin: 4px 0 10px; }
        .legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
        .legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
        .tools { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0 6px; font-size: 12px; color: #59636e; }
        .tools input { font: 13px ui-monospace, Menlo, monospace; padding: 3px 6px; width: 220px; }
        .tools button { font-size: 12px; padding: 2px 8px; }
        .chart { overflow-x: auto; }
        svg { user-select: none; }
        svg text { font: 11px ui-monospace, Menlo, monospace; fill: #59636e; }
        svg text.name { fill: #1f2328; } svg text.heading { fill: #1f2328; font-weight: bold; }
        svg text.in { fill: #fff; pointer-events: none; } svg text.hide { display: none; }
        svg text.after { fill: #59636e; } svg text.note { fill: #8c959f; font-style: italic; }
        svg .axis line { stroke: #eaeef2; }
        svg line.gap { stroke: #cf222e; stroke-dasharray: 3 3; }
        svg line.baseline { stroke: #d0d7de; } svg line.threshold { stroke: #cf222e; stroke-dasharray: 4 3; }
        rect.bar:hover { opacity: .75; }
        rect.crit { stroke: #1f2328; stroke-width: 2; }
        rect.queued { stroke: #0969da; stroke-width: 1; stroke-dasharray: 3 2; }
        rect.lagmax { fill: #afb8c1; } rect.lagp99 { fill: #6e7781; }
        rect.found { fill: none; stroke: #0969da; stroke-width: 3; }
        """
}
