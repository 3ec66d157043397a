import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// The HTML report's inline style and script. Kept apart from the markup so each stays readable;
/// both are constants, so no report data can end up inside `<script>`.
enum HTMLAssets {
    static let css = """
        :root { --good: #2da44e; --fair: #d4a72c; --poor: #cf222e; --muted: #57606a; --line: #d0d7de; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
        header, section { background: #fff; margin: 16px; padding: 16px 20px; border: 1px solid var(--line); border-radius: 6px; }
        header.ok { border-top: 4px solid var(--good); }
        header.bad { border-top: 4px solid var(--poor); }
        header.interrupted, header.none-ran { border-top: 4px solid var(--fair); }
        h1 { font-size: 20px; margin: 0 0 8px; }
        h2 { font-size: 16px; margin: 0 0 10px; }
        h3 { font-size: 14px; margin: 0 0 6px; }
        code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        pre { background: #f6f8fa; padding: 8px; border-radius: 4px; overflow: auto; max-height: 320px; white-space: pre-wrap; }
        .meta, small, .name { color: var(--muted); }
        .gates, .hints { margin: 8px 0 0; padding-left: 20px; }
        .gates .ok { color: var(--good); }
        .gates .bad { color: var(--poor); font-weight: 600; }
        .pill { display: inline-block; border: 0; border-radius: 10px; padding: 1px 8px; font-size: 12px; color: #fff; background: var(--muted); }
        button.pill { cursor: pointer; }
        .pill.passed { background: var(--good); }
        .pill.failed, .pill.errored, .pill.xpassed { background: var(--poor); }
        .pill.skipped, .pill.interrupted { background: #8c959f; }
        .pill.xfailed { background: #0969da; }
        .pill.flaky { background: var(--fair); }
        .tag { display: inline-block; background: #ddf4ff; color: #0550ae; border-radius: 4px; padding: 0 5px; font-size: 12px; }
        .charts { display: flex; flex-wrap: wrap; gap: 24px; }
        .chart text { font-size: 12px; fill: #1f2328; }
        .chart .track { fill: #eaeef2; }
        .chart .good { fill: var(--good); }
        .chart .fair { fill: var(--fair); }
        .chart .poor { fill: var(--poor); }
        .chart .gate { stroke: #1f2328; stroke-width: 2; stroke-dasharray: 3 2; }
        .chart .bar { cursor: pointer; }
        .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin-bottom: 10px; }
        .filters input { width: 220px; }
        #f-count { color: var(--muted); }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f6f8fa; }
        .num { text-align: right; white-space: nowrap; }
        tr[hidden] { display: none; }
        .failure { border-left: 3px solid var(--poor); padding: 4px 0 4px 12px; margin: 0 0 16px; }
        .failure ul { margin: 4px 0; padding-left: 18px; }
        .kind { color: var(--muted); font-size: 12px; }
        .next { font-weight: 600; }

        """

    /// Filters the results table by outcome, priority, tag and text; clicking an outcome count or
    /// a chart bar sets the matching filter.
    static let script = """
        (function () {
          var rows = Array.prototype.slice.call(document.querySelectorAll('#results tbody tr'));
          var outcome = document.getElementById('f-outcome');
          var priority = document.getElementById('f-priority');
          var tag = document.getElementById('f-tag');
          var text = document.getElementById('f-text');
          var count = document.getElementById('f-count');
          function apply() {
            var o = outcome.value, p = priority.value, t = tag.value, q = text.value.trim().toLowerCase();
            var shown = 0;
            rows.forEach(function (r) {
              var ok = (!o || r.getAttribute('data-outcome') === o || (o === 'flaky' && r.getAttribute('data-flaky') === 'true')) &&
                       (!p || r.getAttribute('data-priority') === p) &&
                       (!t || r.getAttribute('data-tags').indexOf('|' + t + '|') >= 0) &&
                       (!q || r.getAttribute('data-text').indexOf(q) >= 0);
              r.hidden = !ok;
              if (ok) { shown += 1; }
            });
            count.textContent = shown + ' of ' + rows.length + ' cases';
          }
          function choose(select, value) {
            var has = Array.prototype.some.call(select.options, function (opt) { return opt.value === value; });
            select.value = has && select.value !== value ? value : '';
            apply();
            document.getElementById('results').scrollIntoView({ behavior: 'smooth' });
          }
          [outcome, priority, tag, text].forEach(function (el) { el.addEventListener('input', apply); });
          document.querySelectorAll('[data-filter-outcome]').forEach(function (el) {
            el.addEventListener('click', function () { choose(outcome, el.getAttribute('data-filter-outcome')); });
          });
          document.querySelectorAll('[data-filter-priority]').forEach(function (el) {
            el.addEventListener('click', function () { choose(priority, el.getAttribute('data-filter-priority')); });
          });
          document.querySelectorAll('[data-filter-tag]').forEach(function (el) {
            el.addEventListener('click', function () { choose(tag, el.getAttribute('data-filter-tag')); });
          });
          apply();
        })();

        """
}
