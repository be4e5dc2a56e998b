// Stacked bar charts in SVG for the report: one bar per period, one
// coloured part per series, a value axis with round steps and a legend.
// The report's tables beside them carry the same numbers as text.

const NS = 'http://www.w3.org/2000/svg';

/** CATEGORY_COLORS tell series apart (Tableau 10); more series than colours share "other". */
export const CATEGORY_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const OTHER_COLOR = '#bab0ac';

/** Series is one coloured part of every bar. */
export interface Series {
  key: string;
  label: string;
  values: number[];
}

/** ChartSpec describes a stacked bar chart. */
export interface ChartSpec {
  title: string;
  periods: string[];
  series: Series[];
  /** fmt writes a value for the axis and the tooltips. */
  fmt: (v: number) => string;
  /** otherLabel names the part that sums the smallest series beyond the palette. */
  otherLabel: string;
  testid: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** niceStep is a round step (1, 2 or 5 × 10ⁿ) that divides max into about n parts. */
export function niceStep(max: number, n = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** topSeries keeps the largest series (by total) that the palette can colour
 * and adds the rest up into one "other" series. */
export function topSeries(series: Series[], keep: number, otherKey: string, otherLabel: string): Series[] {
  const nonzero = series.filter((s) => s.values.some((v) => v > 0));
  const sorted = [...nonzero].sort((a, b) => b.values.reduce((x, y) => x + y, 0) - a.values.reduce((x, y) => x + y, 0));
  if (sorted.length <= keep) return sorted;
  const rest = sorted.slice(keep - 1);
  const other = { key: otherKey, label: otherLabel, values: rest[0].values.map((_, i) => rest.reduce((a, s) => a + s.values[i], 0)) };
  return [...sorted.slice(0, keep - 1), other];
}

/** stackedBars draws the chart; its text alternative is the aria-label and a <title> per bar part. */
export function stackedBars(spec: ChartSpec): HTMLElement {
  const series = topSeries(spec.series, CATEGORY_COLORS.length, '_other', spec.otherLabel);
  const color = (s: Series, i: number): string => (s.key === '_other' ? OTHER_COLOR : CATEGORY_COLORS[i % CATEGORY_COLORS.length]);
  const totals = spec.periods.map((_, i) => series.reduce((a, s) => a + s.values[i], 0));
  const step = niceStep(Math.max(0, ...totals));
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const W = 640, H = 240, L = 64, R = 8, T = 10, B = 36;
  const bw = (W - L - R) / Math.max(1, spec.periods.length);
  const y = (v: number): number => T + (H - T - B) * (1 - v / top);
  const g = svg('g', {});
  for (let v = 0; v <= top + step / 2; v += step) {
    g.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#d9dee3', 'stroke-width': 1 }),
      svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#3b4148' }, spec.fmt(v)));
  }
  const every = Math.ceil(spec.periods.length / 12);
  spec.periods.forEach((p, i) => {
    let base = 0;
    const x = L + i * bw + bw * 0.15;
    series.forEach((s, k) => {
      const v = s.values[i];
      if (!(v > 0)) return;
      g.append(svg('rect', {
        x, width: bw * 0.7, y: y(base + v), height: Math.max(0.5, y(base) - y(base + v)), fill: color(s, k), 'data-series': s.key, 'data-period': p, 'data-value': v,
      }, svg('title', {}, `${p} · ${s.label}: ${spec.fmt(v)}`)));
      base += v;
    });
    if (i % every === 0) g.append(svg('text', { x: x + bw * 0.35, y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#3b4148' }, p));
  });
  const label = `${spec.title}: ${spec.periods.map((p, i) => `${p} ${spec.fmt(totals[i])}`).join(', ')}`;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': label, class: 'chart' }, g);
  const legend = document.createElement('ul');
  legend.className = 'chart-legend';
  series.forEach((s, k) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = color(s, k);
    li.append(sw, s.label);
    legend.append(li);
  });
  const fig = document.createElement('figure');
  fig.className = 'chart-figure';
  fig.dataset.testid = spec.testid;
  const cap = document.createElement('figcaption');
  cap.textContent = spec.title;
  fig.append(cap, chart, legend);
  return fig;
}
