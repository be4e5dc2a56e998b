// Sector view: choropleth of the border sector risk index, a sortable
// table, a comparison period, the two sides of one border section side by
// side, and the table as CSV.
import type { MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import type { Feature } from 'geojson';
import * as api from './api';
import { Ctx, View, addDays, errorText, isAbort, notice } from './app';
import { download, h, option, replace } from './dom';
import { kg, label, num, pct, t } from './i18n';
import { BELOW_BORDERS, SEQ, addSource, fitTo, pointerOn, quantileBreaks, setData, setVisible, stepColor } from './map';

const LAYERS = ['sec-fill', 'sec-line', 'sec-selected'];
type Metric = 'score' | 'seizures' | 'incidents' | 'kg';
type Props = Record<string, unknown>;

/** kgByDrug reads a sector's kilograms per drug, whichever shape the API uses. */
function kgByDrug(p: Props): Record<string, number> {
  for (const key of ['kg', 'kg_by_drug', 'kg_per_drug']) {
    const v = p[key];
    if (v && typeof v === 'object') return v as Record<string, number>;
    if (typeof v === 'string' && v.startsWith('{')) {
      try { return JSON.parse(v); } catch { /* not JSON */ }
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p)) {
    const m = /^kg_(.+)$/.exec(k);
    if (m && typeof v === 'number' && m[1] !== 'total') out[m[1]] = v;
  }
  return out;
}

function totalKG(p: Props): number {
  for (const key of ['kg_total', 'total_kg']) if (typeof p[key] === 'number') return p[key] as number;
  return Object.values(kgByDrug(p)).reduce((a, b) => a + (Number(b) || 0), 0);
}

function parsed(v: unknown): unknown {
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    try { return JSON.parse(v); } catch { return v; }
  }
  return v;
}

/** changeOf reads a sector's change against the comparison period as a relative change and its significance. */
function changeOf(p: Props): { rel: number | null; p: number | null; sig: boolean } {
  const c = parsed(p.change);
  if (typeof c === 'number') return { rel: c, p: null, sig: false };
  if (c && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    const pick = (...ks: string[]): number | null => { for (const k of ks) if (typeof o[k] === 'number') return o[k] as number; return null; };
    const nested = (o.events ?? o.total ?? o.seizures) as Record<string, unknown> | undefined;
    const rel = pick('rel', 'relative', 'pct_change', 'ratio_change') ?? (nested && typeof nested.rel === 'number' ? nested.rel as number : null)
      ?? (pick('ratio') !== null ? (pick('ratio') as number) - 1 : null);
    const pv = pick('p', 'p_value') ?? (nested && typeof nested.p === 'number' ? nested.p as number : null);
    return { rel, p: pv, sig: Boolean(o.significant ?? (pv !== null && pv <= 0.05)) };
  }
  return { rel: null, p: null, sig: false };
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const sectorName = (p: Props): string => str(p.name ?? p.label ?? p.sector_id ?? p.id);
const sectionOf = (p: Props): string => str(p.section ?? p.section_id ?? p.section_no ?? '');
const sideOf = (p: Props): string => str(p.country ?? p.side ?? '');

/** sectorsView builds the sector view. */
export function sectorsView(ctx: Ctx): View {
  const { map } = ctx;
  const end = ctx.eventRange.to;
  const s = {
    from: addDays(end, -364), to: end, compareFrom: addDays(end, -729), compareTo: addDays(end, -365),
    compare: true, pair: '', agency: '', metric: 'score' as Metric, sortKey: 'rank', sortDir: 1,
  };
  let fc: api.AnalysisCollection | null = null;
  let err: unknown = null;
  let loading = false;
  let selected: Feature | null = null;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let ctrl: AbortController | null = null;

  addSource(map, 'sectors-risk', { promoteId: '_fid' });
  addSource(map, 'sectors-selected');
  map.addLayer({ id: 'sec-fill', type: 'fill', source: 'sectors-risk', paint: { 'fill-color': '#ccc', 'fill-opacity': 0.75 } }, BELOW_BORDERS);
  map.addLayer({ id: 'sec-line', type: 'line', source: 'sectors-risk', paint: { 'line-color': '#5d5d5d', 'line-width': 0.6 } }, BELOW_BORDERS);
  map.addLayer({ id: 'sec-selected', type: 'line', source: 'sectors-selected', paint: { 'line-color': '#0b57d0', 'line-width': 3 } });
  setVisible(map, LAYERS, false);
  pointerOn(map, ['sec-fill']);

  const params = (): api.RiskParams => ({
    from: s.from, to: s.to, compare_from: s.compare ? s.compareFrom : undefined, compare_to: s.compare ? s.compareTo : undefined,
    pair: s.pair || undefined, agency: s.agency || undefined,
  });

  const metricOf = (p: Props): number => (s.metric === 'kg' ? totalKG(p) : Number(p[s.metric] ?? 0));
  let breaks: number[] = [];
  const draw = (): void => {
    if (!fc) { setData(map, 'sectors-risk', []); return; }
    fc.features.forEach((f, i) => { f.properties = { ...f.properties, _fid: i, _v: metricOf(f.properties ?? {}) }; });
    breaks = quantileBreaks(fc.features.map((f) => Number(f.properties?._v)), 6);
    map.setPaintProperty('sec-fill', 'fill-color', stepColor('_v', breaks, SEQ.slice(1), '#f4f4f4'));
    setData(map, 'sectors-risk', fc);
  };

  const load = async (): Promise<void> => {
    ctrl?.abort();
    const c = (ctrl = new AbortController());
    loading = true;
    renderBody();
    try {
      fc = await api.sectorRisk(params(), c.signal);
      err = null;
      selected = null;
      setData(map, 'sectors-selected', []);
    } catch (e) {
      if (isAbort(e)) return;
      fc = null;
      err = e;
    }
    loading = false;
    draw();
    renderBody();
  };

  const select = (f: Feature | null, fly = false): void => {
    selected = f;
    const sec = f ? sectionOf(f.properties ?? {}) : '';
    const pairF = f && sec && fc ? fc.features.filter((g) => sectionOf(g.properties ?? {}) === sec) : f ? [f] : [];
    setData(map, 'sectors-selected', pairF);
    if (fly && pairF.length) fitTo(map, pairF, 10);
    renderBody();
  };

  map.on('click', 'sec-fill', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const id = e.features?.[0]?.properties?._fid;
    const f = fc?.features.find((g) => g.properties?._fid === id);
    if (f) select(f);
  });

  // ---- panel ------------------------------------------------------------
  let bodyEl: HTMLElement;

  const columns: { key: string; label: string; value: (p: Props) => number | string; fmt: (p: Props) => string | Node }[] = [
    { key: 'rank', label: 'sec.rank', value: (p) => Number(p.rank ?? Infinity), fmt: (p) => num(Number(p.rank)) },
    { key: 'name', label: 'sec.sector', value: (p) => sectorName(p), fmt: (p) => sectorName(p) },
    { key: 'side', label: 'sec.side', value: (p) => sideOf(p), fmt: (p) => sideOf(p) },
    { key: 'seizures', label: 'sec.seizures', value: (p) => Number(p.seizures ?? 0), fmt: (p) => num(Number(p.seizures ?? 0)) },
    { key: 'incidents', label: 'sec.incidents', value: (p) => Number(p.incidents ?? 0), fmt: (p) => num(Number(p.incidents ?? 0)) },
    { key: 'kg', label: 'sec.kg', value: (p) => totalKG(p), fmt: (p) => kg(totalKG(p)) },
    { key: 'score', label: 'sec.score', value: (p) => Number(p.score ?? 0), fmt: (p) => num(Number(p.score ?? 0), 2) },
    {
      key: 'change', label: 'sec.change', value: (p) => changeOf(p).rel ?? -Infinity,
      fmt: (p) => { const c = changeOf(p); return h('span', { class: c.sig ? (Number(c.rel) > 0 ? 'up sig' : 'down sig') : '' , title: c.p !== null ? `p = ${num(c.p, 3)}` : '' }, pct(c.rel), c.sig ? ' *' : ''); },
    },
  ];

  const table = (): HTMLElement => {
    const rows = [...(fc?.features ?? [])];
    const col = columns.find((c) => c.key === s.sortKey) ?? columns[0];
    rows.sort((a, b) => {
      const x = col.value(a.properties ?? {}), y = col.value(b.properties ?? {});
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * s.sortDir;
    });
    return h('table', { class: 'data', 'data-testid': 'sector-table' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {
        class: c.key === s.sortKey ? (s.sortDir > 0 ? 'sorted asc' : 'sorted desc') : 'sortable', tabindex: 0, 'aria-sort': c.key === s.sortKey ? (s.sortDir > 0 ? 'ascending' : 'descending') : 'none',
        onclick: () => { if (s.sortKey === c.key) s.sortDir = -s.sortDir; else { s.sortKey = c.key; s.sortDir = ['rank', 'name', 'side'].includes(c.key) ? 1 : -1; } renderBody(); },
      }, t(c.label))))),
      h('tbody', {}, rows.map((f) => h('tr', {
        class: f === selected ? 'selected' : '', onclick: () => select(f, true),
      }, columns.map((c) => h('td', { class: ['name', 'side'].includes(c.key) ? '' : 'num' }, c.fmt(f.properties ?? {})))))));
  };

  const sideBySide = (): HTMLElement | null => {
    if (!selected || !fc) return null;
    const sec = sectionOf(selected.properties ?? {});
    const sides = sec ? fc.features.filter((g) => sectionOf(g.properties ?? {}) === sec) : [selected];
    const drugs = [...new Set(sides.flatMap((g) => Object.keys(kgByDrug(g.properties ?? {}))))].sort();
    const cell = (g: Feature, fn: (p: Props) => string | Node): HTMLElement => h('td', { class: 'num' }, fn(g.properties ?? {}));
    const line = (title: string, fn: (p: Props) => string | Node): HTMLElement => h('tr', {}, h('th', {}, title), sides.map((g) => cell(g, fn)));
    return h('section', { class: 'group', 'data-testid': 'side-by-side' },
      h('h2', {}, t('sec.side_by_side'), sec ? ` · ${t('sec.section')} ${sec}` : ''),
      sides.length < 2 ? h('p', { class: 'muted small' }, t('sec.no_other_side')) : null,
      h('table', { class: 'data compare' },
        h('thead', {}, h('tr', {}, h('th', {}), sides.map((g) => h('th', { class: 'num' }, sideOf(g.properties ?? {}) || sectorName(g.properties ?? {}), h('div', { class: 'muted small' }, str(g.properties?.agency)))))),
        h('tbody', {},
          line(t('sec.seizures'), (p) => num(Number(p.seizures ?? 0))),
          line(t('sec.incidents'), (p) => num(Number(p.incidents ?? 0))),
          line(t('sec.kg'), (p) => kg(totalKG(p))),
          drugs.map((d) => line(`  ${label('drug', d)}`, (p) => kg(Number(kgByDrug(p)[d] ?? 0)))),
          line(t('sec.score'), (p) => num(Number(p.score ?? 0), 2)),
          line(t('sec.rank'), (p) => num(Number(p.rank))),
          line(t('sec.change'), (p) => pct(changeOf(p).rel)))));
  };

  const legend = (): HTMLElement | null => {
    if (!breaks.length) return null;
    const pal = SEQ.slice(1);
    const k = pal.length / breaks.length;
    return h('div', { class: 'legend', 'data-testid': 'sector-legend' }, h('div', { class: 'legend-title' }, t(`sec.metric_${s.metric}`)),
      breaks.map((b, i) => h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${pal[Math.min(pal.length - 1, Math.floor(i * k))]}` }),
        h('span', {}, `${i === 0 ? '> 0' : '> ' + num(breaks[i - 1], 2)} … ${num(b, 2)}`))));
  };

  const renderBody = (): void => {
    if (!panelEl || !active) return;
    const formula = fc && (fc as Props).formula ? h('details', { class: 'small' }, h('summary', {}, t('sec.formula')), h('pre', {}, str((fc as Props).formula))) : null;
    replace(bodyEl,
      loading ? h('div', { class: 'busy' }, t('common.loading')) : null,
      err ? notice('error', errorText(err), 'sectors-error') : null,
      fc ? h('div', { class: 'stat', 'data-testid': 'sector-count' }, t('sec.count', { n: num(fc.features.length) })) : null,
      legend(), formula, sideBySide(),
      fc && fc.features.length ? h('div', { class: 'table-wrap' }, table()) : null);
  };

  const render = (panel: HTMLElement): void => {
    panelEl = panel;
    const dateIn = (id: string, key: 'from' | 'to' | 'compareFrom' | 'compareTo'): HTMLInputElement =>
      h('input', { type: 'date', id, value: s[key], onchange: (e: Event) => { s[key] = (e.target as HTMLInputElement).value; } });
    const pairs = ctx.base.borders.features.map((f) => `${str(f.properties?.country_a)}-${str(f.properties?.country_b)}`);
    bodyEl = h('div', { id: 'sec-body' });
    replace(panel,
      h('h1', {}, t('sec.title')),
      h('p', { class: 'muted' }, t('sec.intro')),
      h('section', { class: 'group' },
        h('div', { class: 'grid2' },
          h('label', { for: 's-from' }, t('sec.period')), h('div', { class: 'row' }, dateIn('s-from', 'from'), '—', dateIn('s-to', 'to')),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 's-compare', checked: s.compare, onchange: (e: Event) => { s.compare = (e.target as HTMLInputElement).checked; } }), t('sec.compare')),
          h('div', { class: 'row' }, dateIn('s-cfrom', 'compareFrom'), '—', dateIn('s-cto', 'compareTo')),
          h('label', { for: 's-pair' }, t('sec.pair')),
          h('select', { id: 's-pair', onchange: (e: Event) => { s.pair = (e.target as HTMLSelectElement).value; } }, option('', t('filter.all'), !s.pair), pairs.map((p) => option(p, p, p === s.pair))),
          h('label', { for: 's-agency' }, t('filter.agency')),
          h('select', { id: 's-agency', onchange: (e: Event) => { s.agency = (e.target as HTMLSelectElement).value; } }, option('', t('filter.all'), !s.agency), ctx.agencies.map((a) => option(a, a, a === s.agency))),
          h('label', { for: 's-metric' }, t('sec.metric')),
          h('select', { id: 's-metric', onchange: (e: Event) => { s.metric = (e.target as HTMLSelectElement).value as Metric; draw(); renderBody(); } },
            (['score', 'seizures', 'incidents', 'kg'] as Metric[]).map((m) => option(m, t(`sec.metric_${m}`), m === s.metric)))),
        h('div', { class: 'row end' },
          h('button', {
            class: 'btn', id: 's-csv', onclick: async () => {
              try { download(`sectors-risk-${s.from}-${s.to}.csv`, await api.sectorRiskCSV(params()), 'text/csv'); } catch (e) { ctx.toast(errorText(e), 'error'); }
            },
          }, t('sec.csv')),
          h('button', { class: 'btn primary', id: 's-load', onclick: () => void load() }, t('sec.load')))),
      bodyEl);
    renderBody();
  };

  return {
    id: 'sectors',
    titleKey: 'tab.sectors',
    render,
    activate() {
      active = true;
      setVisible(map, LAYERS, true);
      if (!fc) void load(); else renderBody();
    },
    deactivate() {
      active = false;
      ctrl?.abort();
      setVisible(map, LAYERS, false);
    },
  };
}
