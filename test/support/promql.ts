// Just enough PromQL reading to check a dashboard or a rules file against what the service
// exports: which metric names an expression selects, with which label matchers, and which
// labels it groups by. Not a parser: it knows the shapes this repository writes.

export interface PromqlUse {
  /** Metric names selected, each with the label names its matchers use. */
  selectors: { metric: string; labels: string[] }[];
  /** Label names in `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_*(…)`. */
  grouping: string[];
}

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
// Words that are never a metric: operators, and aggregations (`sum by (x) (…)` has no `(`
// right after `sum`).
const KEYWORDS = new Set([
  ...['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2'],
  ...['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values'],
  ...['bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio'],
]);

export function readPromql(expr: string): PromqlUse {
  // Grafana's variables ($__rate_interval, ${…}) stand for durations or data sources.
  const text = expr.replace(/\$\{[^}]*\}|\$\w+/g, '5m');
  const selectors: PromqlUse['selectors'] = [];
  const grouping: string[] = [];
  const identifier = /[a-zA-Z_:][\w:]*/y;
  const number = /(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/iy;
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '"' || ch === "'" || ch === '`') {
      i = text.indexOf(ch, i + 1) + 1 || text.length;
    } else if (ch === '[') {
      i = text.indexOf(']', i) + 1 || text.length;
    } else if (/[\d.]/.test(ch)) {
      number.lastIndex = i;
      i += number.exec(text)?.[0].length || 1;
    } else if (ch === '{') {
      // A matcher block with no metric name before it (`{__name__=…}`) is not written here.
      throw new Error(`a selector without a metric name in: ${expr}`);
    } else if (/[a-zA-Z_:]/.test(ch)) {
      identifier.lastIndex = i;
      const name = identifier.exec(text)?.[0] ?? ch;
      i += name.length;
      const rest = text.slice(i);
      const gap = rest.length - rest.trimStart().length;
      const next = rest.trimStart().charAt(0);
      if (GROUPING.has(name) && next === '(') {
        const close = text.indexOf(')', i);
        grouping.push(...labelList(text.slice(i + gap + 1, close)));
        i = close + 1;
      } else if (next === '(' || KEYWORDS.has(name)) {
        // a function or an aggregation, or an operator word
      } else if (next === '{') {
        const close = closingBrace(text, i + gap);
        selectors.push({ metric: name, labels: matcherLabels(text.slice(i + gap + 1, close)) });
        i = close + 1;
      } else {
        selectors.push({ metric: name, labels: [] });
      }
    } else {
      i += 1;
    }
  }
  return { selectors, grouping };
}

function labelList(inside: string): string[] {
  return inside
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The label names of `a="x", b=~"y|z"`, skipping the quoted values. */
function matcherLabels(inside: string): string[] {
  const withoutValues = inside.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutValues.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? '');
}

function closingBrace(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length && text.charAt(i) !== '}') {
    if (text.charAt(i) === '"') i = text.indexOf('"', i + 1);
    i += 1;
  }
  return i;
}
