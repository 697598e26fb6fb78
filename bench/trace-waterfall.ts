import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// `npm run bench:trace -- <spans.json>`: the picture in docs/operations.md ("Tracing"). Jaeger
// cannot run on this machine, so the trace the process test received (run it with
// OCN_TRACE_DUMP=<spans.json>) is drawn as a plain waterfall page and photographed by Debian's
// Chromium: one row per span, indented under its parent, a bar from its start to its end.

interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startNs: string;
  endNs: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'docs/images/trace-waterfall.png');
const input = process.argv[2];
if (!input) throw new Error('usage: npm run bench:trace -- <spans.json from OCN_TRACE_DUMP>');
const spans = JSON.parse(await readFile(input, 'utf8')) as Span[];

// The sync request's trace: the one whose HTTP span continued a caller's traceparent.
const server = spans.find((s) => s.name.startsWith('POST ') && s.parentSpanId !== '');
if (!server) throw new Error('no continued POST span in the file');
const trace = spans.filter((s) => s.traceId === server.traceId);
const ids = new Set(trace.map((s) => s.spanId));
const children = new Map<string, Span[]>();
for (const span of trace) {
  const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
  children.set(parent, [...(children.get(parent) ?? []), span]);
}
const rows: { span: Span; depth: number }[] = [];
const visit = (parent: string, depth: number) => {
  const list = (children.get(parent) ?? []).sort((a, b) =>
    Number(BigInt(a.startNs) - BigInt(b.startNs)),
  );
  for (const span of list) {
    rows.push({ span, depth });
    visit(span.spanId, depth + 1);
  }
};
visit('', 0);

const start = trace.reduce(
  (min, s) => (BigInt(s.startNs) < min ? BigInt(s.startNs) : min),
  BigInt(server.startNs),
);
const end = trace.reduce((max, s) => (BigInt(s.endNs) > max ? BigInt(s.endNs) : max), 0n);
const total = Number(end - start);
const pct = (ns: bigint) => ((Number(ns - start) / total) * 100).toFixed(3);
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
const colour = (service: string) => (service.includes('worker') ? '#e8a33d' : '#4f86c6');

const body = rows
  .map(({ span, depth }) => {
    const left = pct(BigInt(span.startNs));
    const width = Math.max(0.2, Number(pct(BigInt(span.endNs))) - Number(left)).toFixed(3);
    const ms = (Number(BigInt(span.endNs) - BigInt(span.startNs)) / 1e6).toFixed(1);
    return `<tr><td class="name" style="padding-left:${8 + depth * 14}px">${escapeHtml(span.name)}</td>
<td class="svc">${escapeHtml(span.service)}</td><td class="bar"><div style="left:${left}%;width:${width}%;background:${colour(span.service)}"></div></td><td class="ms">${ms} ms</td></tr>`;
  })
  .join('\n');
const html = `<!doctype html><meta charset="utf-8"><style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse;width:100%}
td{padding:2px 6px;border-bottom:1px solid #eee;white-space:nowrap}td.name{width:36%;overflow:hidden;text-overflow:ellipsis;max-width:520px}
td.svc{color:#666;width:10%}td.bar{position:relative;width:46%}td.bar div{position:absolute;top:4px;height:12px;border-radius:2px}
td.ms{text-align:right;color:#444;width:8%}h1{font-size:16px}</style>
<h1>Trace ${server.traceId}: ${rows.length} spans, ${(total / 1e6).toFixed(0)} ms (blue: API, orange: worker)</h1>
<table>${body}</table>`;

const page = join(tmpdir(), `ocn-trace-${process.pid}.html`);
await writeFile(page, html);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 600 } });
  await tab.goto(`file://${page}`);
  await tab.screenshot({ path: OUTPUT, fullPage: true });
} finally {
  await browser.close();
}
process.stdout.write(`wrote ${OUTPUT} (${rows.length} spans)\n`);
