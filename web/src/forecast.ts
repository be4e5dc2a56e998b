// Forecast view: the expected events per hexagon of the next period by a
// chosen method, drawn on the map, and the backtest's hit rate against
// the share of the area patrolled, one curve per method.
import * as api from './api';
import { Ctx, View, addDays, fillSlots, notice, problemText, slot } from './app';
import { h, option, replace } from './dom';
import { label, num, pct, t } from './i18n';
import { BELOW_BORDERS, SEQ, addSource, quantileBreaks, setData, setVisible, stepColor } from './map';

const LAYERS = ['fc-fill', 'fc-line'];
const METHODS = ['auto', 'naive', 'average', 'kde', 'seppp'];
const CURVE_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** forecastView builds the forecast view. */
export function forecastView(ctx: Ctx): View {
  const { map } = ctx;
  const asOf = addDays(ctx.eventRange.to, 1);
  const s = { method: 'kde', asOf, until: addDays(asOf, 30) };
  let fc: Awaited<ReturnType<typeof api.forecast>> | null = null;
  let bt: api.Backtest | null = null;
  let err: unknown = null;
  let busy = '';
  let formEl: HTMLElement | null = null;
  let bodyEl: HTMLElement | null = null;

  addSource(map, 'forecast');
  map.addLayer({ id: 'fc-fill', type: 'fill', source: 'forecast', paint: { 'fill-color': 'transparent', 'fill-opacity': 0.75 } }, BELOW_BORDERS);
  map.addLayer({ id: 'fc-line', type: 'line', source: 'forecast', paint: { 'line-color': '#7f2704', 'line-width': 0.4, 'line-opacity': 0.4 } }, BELOW_BORDERS);
  setVisible(map, LAYERS, false);

  const params = (): api.ForecastParams => ({ method: s.method, as_of: s.asOf, until: s.until, cell_m: '5000' });

  const drawLegend = (breaks: number[]): void => {
    replace(ctx.legend, h('div', { class: 'legend', 'data-testid': 'forecast-legend' },
      h('div', { class: 'legend-title' }, t('fc.legend', { method: label('fc_method', fc?.used?.method ?? s.method) })),
      breaks.map((b, i) => h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${SEQ[i + 1]}` }),
        h('span', {}, `≥ ${num(b, 2)}`)))));
  };

  const draw = (): void => {
    const feats = fc?.features ?? [];
    setData(map, 'forecast', feats);
    const breaks = quantileBreaks(feats.map((f) => Number(f.properties?.risk ?? 0)), SEQ.length - 1);
    if (breaks.length) map.setPaintProperty('fc-fill', 'fill-color', stepColor('risk', breaks, SEQ));
    drawLegend(breaks);
  };

  /** curve draws the backtest's mean hit rate at each coverage, per method. */
  const curve = (b: api.Backtest): HTMLElement => {
    const W = 320, H = 200, L = 36, B = 26;
    const xs = b.coverages;
    const x = (c: number): number => L + ((c - xs[0]) / (xs[xs.length - 1] - xs[0])) * (W - L - 8);
    const y = (v: number): number => H - B - v * (H - B - 8);
    const ns = 'http://www.w3.org/2000/svg';
    const el = (tag: string, a: Record<string, string | number>, text?: string): SVGElement => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(a)) e.setAttribute(k, String(v));
      if (text) e.textContent = text;
      return e;
    };
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': t('fc.curve_title'), 'data-testid': 'backtest-curve' });
    svg.append(el('line', { x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: '#888' }), el('line', { x1: L, y1: 8, x2: L, y2: H - B, stroke: '#888' }));
    for (const c of xs) svg.append(el('text', { x: x(c), y: H - 8, 'font-size': 10, 'text-anchor': 'middle' }, pct(c, 0, true)));
    for (const v of [0, 0.5, 1]) svg.append(el('text', { x: L - 4, y: y(v) + 3, 'font-size': 10, 'text-anchor': 'end' }, pct(v, 0, true)));
    b.methods.forEach((m, i) => {
      const pts = m.mean.hit_rate.map((v, k) => `${x(xs[k])},${y(v)}`).join(' ');
      svg.append(el('polyline', { points: pts, fill: 'none', stroke: CURVE_COLORS[i % CURVE_COLORS.length], 'stroke-width': m.name === b.best ? 3 : 1.5, 'data-method': m.name }));
    });
    return h('figure', { class: 'backtest' }, svg as unknown as HTMLElement,
      h('table', { class: 'report-table', 'data-testid': 'backtest-table' },
        h('thead', {}, h('tr', {}, h('th', {}, t('fc.method')), xs.map((c) => h('th', { class: 'n' }, t('fc.hit_at', { a: pct(c, 0, true) }))),
          xs.map((c) => h('th', { class: 'n' }, t('fc.pai_at', { a: pct(c, 0, true) }))))),
        h('tbody', {}, b.methods.map((m, i) => h('tr', { 'data-method': m.name },
          h('td', {}, h('span', { class: 'swatch', style: `background:${CURVE_COLORS[i % CURVE_COLORS.length]}` }), ` ${m.name}${m.name === b.best ? ' ★' : ''}`),
          m.mean.hit_rate.map((v) => h('td', { class: 'n' }, pct(v, 1, true))),
          m.mean.pai.map((v) => h('td', { class: 'n' }, num(v, 2))))))),
      h('figcaption', { class: 'muted small' }, t('fc.curve_caption', { n: num(b.origins.length), best: b.best })));
  };

  const renderBody = (): void => {
    if (!bodyEl) return;
    const unplaced = err && formEl ? fillSlots(formEl, err) : [];
    if (!err && formEl) fillSlots(formEl, null);
    replace(bodyEl,
      busy ? h('div', { class: 'busy' }, t(busy)) : null,
      err ? notice('error', problemText(err, unplaced), 'forecast-error') : null,
      fc ? h('p', { class: 'small', 'data-testid': 'forecast-summary' }, t('fc.summary', {
        method: label('fc_method', fc.used?.method ?? s.method), total: num(Number(fc.total ?? 0), 1), cells: num(fc.features.length),
      })) : null,
      bt ? curve(bt) : null);
  };

  let seq = 0;
  const run = async (what: 'fc' | 'bt'): Promise<void> => {
    const mine = ++seq;
    busy = what === 'fc' ? 'fc.loading' : 'fc.bt_loading';
    err = null;
    renderBody();
    try {
      if (what === 'fc') { const r = await api.forecast(params()); if (mine !== seq) return; fc = r; draw(); }
      else { const r = await api.backtest({ ...params(), method: 'auto', periods: '12' }); if (mine !== seq) return; bt = r; }
    } catch (e) {
      if (mine !== seq) return;
      err = e;
    }
    busy = '';
    renderBody();
  };

  const render = (panel: HTMLElement): void => {
    const date = (id: string, key: 'asOf' | 'until', param: string): HTMLElement => h('input', {
      type: 'date', id, 'data-param': param, value: s[key], 'aria-label': t(key === 'asOf' ? 'pat.fc_as_of' : 'pat.fc_until'), onchange: (e: Event) => { s[key] = (e.target as HTMLInputElement).value; },
    });
    formEl = h('section', { class: 'group' },
      h('div', { class: 'grid2' },
        h('label', { for: 'fc-method' }, t('fc.method')),
        h('div', {}, h('select', { id: 'fc-method', 'data-param': 'method', onchange: (e: Event) => { s.method = (e.target as HTMLSelectElement).value; } },
          METHODS.map((m) => option(m, label('fc_method', m), m === s.method))), slot('method')),
        h('label', { for: 'fc-as-of' }, t('fc.period')),
        h('div', {}, h('div', { class: 'row' }, date('fc-as-of', 'asOf', 'as_of'), '—', date('fc-until', 'until', 'until')), slot('as_of', 'until'))),
      h('div', { class: 'row end' },
        h('button', { class: 'btn', id: 'fc-backtest', onclick: () => void run('bt') }, t('fc.backtest')),
        h('button', { class: 'btn primary', id: 'fc-show', onclick: () => void run('fc') }, t('fc.show'))));
    bodyEl = h('div', { id: 'forecast-body' });
    replace(panel, h('h1', {}, t('fc.title')), h('p', { class: 'muted' }, t('fc.intro')), formEl, bodyEl);
    renderBody();
  };

  return {
    id: 'forecast',
    titleKey: 'tab.forecast',
    render,
    activate() { setVisible(map, LAYERS, true); if (fc) draw(); else { replace(ctx.legend); void run('fc'); } },
    deactivate() { setVisible(map, LAYERS, false); },
  };
}
