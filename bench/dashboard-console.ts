// Turns deploy/grafana/oc-numbers.json into a Prometheus console template: every panel's
// PromQL, drawn by the console library Prometheus itself serves (prom_console.js, Rickshaw),
// laid out on the dashboard's 24-column grid. Not Grafana: a way to picture the dashboard's
// queries over real data where Grafana cannot be installed.

interface Target {
  expr: string;
  legendFormat?: string;
}
interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}

export interface ConsoleOptions {
  /** What Grafana's `$__rate_interval` becomes (at least 4 scrape intervals). */
  rateInterval: string;
  /** The window drawn: from `endTime - durationSeconds` to `endTime` (unix seconds). */
  durationSeconds: number;
  endTime: number;
  /** Page width in pixels, for the graphs' widths. */
  pageWidth: number;
  caption: string;
}

const UNITS: Record<string, string> = { reqps: ' req/s', s: ' s', short: '' };

export function consoleFromDashboard(
  dashboard: { title: string; panels: Panel[] },
  options: ConsoleOptions,
): string {
  const column = (options.pageWidth - 40) / 24;
  const cells: string[] = [];
  const graphs: object[] = [];
  dashboard.panels.forEach((panel, i) => {
    const { x, w } = panel.gridPos;
    const place = `grid-column: ${x + 1} / span ${w}`;
    if (panel.type === 'row') {
      cells.push(`<h2 style="${place}">${escapeHtml(panel.title)}</h2>`);
      return;
    }
    cells.push(
      `<div class="panel" style="${place}"><h3>${escapeHtml(panel.title)}</h3><div id="g${i}"></div></div>`,
    );
    const targets = panel.targets ?? [];
    const unit = panel.fieldConfig?.defaults?.unit ?? 'short';
    graphs.push({
      node: `g${i}`,
      expr: targets.map((t) => t.expr.replaceAll('$__rate_interval', options.rateInterval)),
      // Grafana's {{label}} is the console library's [[label]].
      name: targets.map((t) => (t.legendFormat ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, '[[$1]]')),
      width: Math.round(column * w - 70),
      seconds: unit === 's',
      yUnits: UNITS[unit] ?? '',
    });
  });
  const data = JSON.stringify(graphs);
  // The page is a Go template: literal double braces would be read as actions.
  if (data.includes('{{') || data.includes('}}')) throw new Error('a query holds "{{" or "}}"');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)}</title>
<link rel="stylesheet" href="/classic/static/rickshaw/rickshaw.min.css">
<link rel="stylesheet" href="/classic/static/css/prom_console.css">
<script src="/classic/static/d3/d3.min.js"></script>
<script src="/classic/static/rickshaw/rickshaw.min.js"></script>
<script src="/classic/static/jquery/jquery.min.js"></script>
<script>var PATH_PREFIX = "";</script>
<script src="/classic/static/js/prom_console.js"></script>
<style>
body { font-family: sans-serif; margin: 12px 20px; width: ${options.pageWidth - 40}px; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); gap: 6px; }
.panel { border: 1px solid #ccc; border-radius: 3px; padding: 4px 6px; }
h1 { font-size: 20px; margin: 0 0 2px; } p.caption { margin: 0 0 8px; color: #444; font-size: 13px; }
h2 { font-size: 15px; margin: 8px 0 0; border-bottom: 1px solid #999; }
h3 { font-size: 13px; margin: 0 0 2px; }
.prom_graph_link, .prom_graph_xtitle { display: none; }
.rickshaw_legend { font-size: 11px; }
</style></head>
<body><h1>${escapeHtml(dashboard.title)}</h1>
<p class="caption">${escapeHtml(options.caption)}</p>
<div class="grid">
${cells.join('\n')}
</div>
<script>
var seconds = function (v) {
  if (v === null) return "null";
  return Math.abs(v) < 1 && v !== 0 ? (v * 1000).toPrecision(3) + " ms" : v.toPrecision(3) + " s";
};
${data}.forEach(function (g) {
  new PromConsole.Graph({
    node: document.getElementById(g.node), expr: g.expr, name: g.name, width: g.width,
    height: 130, min: 0, duration: ${options.durationSeconds}, endTime: ${options.endTime},
    yUnits: g.seconds ? "" : g.yUnits, xTitle: "",
    yAxisFormatter: g.seconds ? seconds : PromConsole.NumberFormatter.humanizeNoSmallPrefix,
    yHoverFormatter: g.seconds ? seconds : PromConsole.NumberFormatter.humanizeNoSmallPrefix,
  });
});
</script></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
