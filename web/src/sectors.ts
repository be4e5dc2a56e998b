// Sector view: choropleth of the border sector risk index, a sortable
// table, a comparison period, the two sides of one border section side by
// side, and the table as CSV.
import type { MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import type { Feature } from 'geojson';
import * as api from './api';
import { Ctx, View, addDays, errorText, fillSlots, isAbort, notice, problemText, slot } from './app';
import { download, h, option, replace } from './dom';
import { date, kg, label, num, pct, t } from './i18n';
import { BELOW_BORDERS, SEQ, addSource, fitTo, pointerOn, quantileBreaks, setData, setVisible, stepColor } from './map';

const LAYERS = ['sec-fill', 'sec-line', 'sec-selected'];
type Metric = 'score' | 'seizures' | 'incidents' | 'kg';
type Props = Record<string, unknown>;

/** kgByDrug reads a sector's kilograms per drug from its kg_<drug> properties. */
function kgByDrug(p: Props): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p)) {
    const m = /^kg_(.+)$/.exec(k);
    if (m && typeof v === 'number') out[m[1]] = v;
  }
  return out;
}

const totalKG = (p: Props): number => Number(p.total_kg ?? 0);

/** Change is a sector's change of events against the comparison period
 * (events_rate_ratio, events_p, events_change of /api/sectors/risk). */
interface Change {
  /** rel is the relative change of the daily event rate (rate ratio − 1); null when there were none before. */
  rel: number | null;
  p: number | null;
  before: number;
  direction: string;
}

function changeOf(p: Props, what = 'events'): Change {
  const rr = p[`${what}_rate_ratio`];
  const pv = p[`${what}_p`];
  return {
    rel: typeof rr === 'number' ? rr - 1 : null,
    p: typeof pv === 'number' ? pv : null,
    before: Number(p[`${what}_before`] ?? 0),
    direction: String(p[`${what}_change`] ?? 'none'),
  };
}

/** pText shows a p-value as "p = 0.012" or "p < 0.001". */
const pText = (p: number): string => (p < 0.001 ? `p < ${num(0.001, 3)}` : `p = ${num(p, 3)}`);
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
/** sectionNo is the number of a sector's section within its border (section_index; from the name,
 * "AFG-TJK section 5, TJK side", for a server that does not send it). */
const sectionNo = (p: Props): string => (typeof p.section_index === 'number'
  ? String(p.section_index)
  : /section (\d+)/.exec(str(p.name))?.[1] ?? '');
/** sectorName names a sector in the interface language. */
const sectorName = (p: Props): string => (sectionNo(p) && p.side
  ? t('sec.name', { border: str(p.border), n: sectionNo(p), side: str(p.side) })
  : str(p.name ?? p.id));
const sectionOf = (p: Props): string => str(p.section);
const sideOf = (p: Props): string => str(p.side);

/** sectorsView builds the sector view. */
export function sectorsView(ctx: Ctx): View {
  const { map } = ctx;
  const end = ctx.eventRange.to;
  const s = {
    from: addDays(end, -364), to: end, compareFrom: addDays(end, -729), compareTo: addDays(end, -365),
    compare: true, pair: '', agency: '', metric: 'score' as Metric, sortKey: 'rank', sortDir: 1,
  };
  let compareChosen = false;
  /** followPeriod makes the comparison the period of equal length just before the chosen one. */
  const followPeriod = (panel: HTMLElement): void => {
    const days = Math.round((Date.parse(s.to) - Date.parse(s.from)) / 86400000) + 1;
    if (!(days > 0)) return;
    s.compareTo = addDays(s.from, -1);
    s.compareFrom = addDays(s.compareTo, -(days - 1));
    panel.querySelector<HTMLInputElement>('#s-cfrom')!.value = s.compareFrom;
    panel.querySelector<HTMLInputElement>('#s-cto')!.value = s.compareTo;
  };
  let fc: api.RiskCollection | null = null;
  // The sector forecast of the 30 days after the window, by sector id
  // (null until it answers); fcErr when it failed.
  let forecastBy: Map<string, number> | null = null;
  let fcErr = false;
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
      section = null;
      setData(map, 'sectors-selected', []);
      if (fc.features.length && (!fitted || s.pair)) { fitted = true; fitTo(map, fc.features, s.pair ? 9 : 7); }
      forecastBy = null;
      fcErr = false;
      api.sectorForecast({ method: 'kde', as_of: addDays(s.to, 1), until: addDays(s.to, 31) }, c.signal).then((r) => {
        forecastBy = new Map(r.features.map((f) => [str(f.id), Number(f.properties?.risk ?? 0)]));
        renderBody();
      }, (e) => { if (!isAbort(e)) { fcErr = true; renderBody(); } });
    } catch (e) {
      if (isAbort(e)) return;
      // Nothing of the previous answer stays: not its table, map or selection.
      fc = null;
      err = e;
      selected = null;
      section = null;
      ctrlSection?.abort();
      setData(map, 'sectors-selected', []);
    }
    loading = false;
    draw();
    renderBody();
  };

  // The selected section as /api/sectors/sections/{section} returns it:
  // both sides with the same metrics and the test of equal rates.
  let section: api.SectionCollection | null = null;
  let sectionErr: unknown = null;
  let ctrlSection: AbortController | null = null;
  let fitted = false;

  const select = (f: Feature | null, fly = false): void => {
    selected = f;
    section = null;
    sectionErr = null;
    ctrlSection?.abort();
    const sec = f ? sectionOf(f.properties ?? {}) : '';
    const pairF = f && sec && fc ? fc.features.filter((g) => sectionOf(g.properties ?? {}) === sec) : f ? [f] : [];
    setData(map, 'sectors-selected', pairF);
    if (fly && pairF.length) fitTo(map, pairF, 10);
    renderBody();
    if (!sec) return;
    const c = (ctrlSection = new AbortController());
    api.sectorSection(sec, params(), c.signal).then((res) => { section = res; renderBody(); },
      (e) => { if (!isAbort(e)) { sectionErr = e; renderBody(); } });
  };

  map.on('click', 'sec-fill', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const id = e.features?.[0]?.properties?._fid;
    const f = fc?.features.find((g) => g.properties?._fid === id);
    if (f) select(f);
  });

  // ---- panel ------------------------------------------------------------
  let bodyEl: HTMLElement;

  /** changeCell shows the events before and after, the change of the daily
   * rate and, for a significant change, the marker the note under the table explains. */
  const changeCell = (p: Props): HTMLElement => {
    const c = changeOf(p);
    const now = Number(p.events ?? 0);
    const sig = c.direction === 'increase' || c.direction === 'decrease';
    const title = c.p !== null ? t('sec.change_title', { before: num(c.before), p: num(c.p, 3) }) : '';
    const counts = h('span', { class: 'muted', 'data-testid': 'change-counts' }, `${num(c.before)} → ${num(now)}`);
    if (c.rel === null) return h('span', { title, 'data-before': String(c.before), 'data-after': String(now) }, counts, now > 0 ? ` (${t('sec.new')})` : '');
    return h('span', { title, 'data-before': String(c.before), 'data-after': String(now), class: sig ? (c.direction === 'increase' ? 'up sig' : 'down sig') : '' },
      counts, ' ', pct(c.rel), sig ? h('span', { class: 'sig-mark', 'aria-label': t('sec.sig_mark') }, ' *') : null);
  };

  const columns: { key: string; label: string; value: (p: Props) => number | string; fmt: (p: Props) => string | Node; text?: boolean }[] = [
    { key: 'rank', label: 'sec.rank', value: (p) => Number(p.rank ?? Infinity), fmt: (p) => num(Number(p.rank)) },
    {
      key: 'name', label: 'sec.sector', value: (p) => sectorName(p), text: true,
      fmt: (p) => h('span', { title: `${sectorName(p)} (${str(p.id)})` }, sectionNo(p) ? t('sec.short', { border: str(p.border), n: sectionNo(p) }) : sectorName(p),
        h('div', { class: 'muted small' }, sectionNo(p) ? t('sec.side_agency', { side: str(p.side), agency: str(p.agency) }) : str(p.agency))),
    },
    { key: 'seizures', label: 'sec.seizures', value: (p) => Number(p.seizures ?? 0), fmt: (p) => num(Number(p.seizures ?? 0)) },
    { key: 'incidents', label: 'sec.incidents', value: (p) => Number(p.incidents ?? 0), fmt: (p) => num(Number(p.incidents ?? 0)) },
    { key: 'kg', label: 'sec.kg', value: (p) => totalKG(p), fmt: (p) => kg(totalKG(p)) },
    { key: 'score', label: 'sec.score', value: (p) => Number(p.score ?? 0), fmt: (p) => num(Number(p.score ?? 0), 1) },
    { key: 'change', label: 'sec.change', value: (p) => changeOf(p).rel ?? -Infinity, fmt: changeCell },
    {
      key: 'forecast', label: 'sec.forecast', value: (p) => forecastBy?.get(str(p.id)) ?? -1,
      fmt: (p) => (forecastBy ? h('span', { 'data-forecast': str(forecastBy.get(str(p.id)) ?? '') , title: t('sec.forecast_title') }, num(forecastBy.get(str(p.id)) ?? 0, 1)) : (fcErr ? '–' : '…')),
    },
  ];

  const table = (): HTMLElement => {
    const rows = [...(fc?.features ?? [])];
    const col = columns.find((c) => c.key === s.sortKey) ?? columns[0];
    rows.sort((a, b) => {
      const x = col.value(a.properties ?? {}), y = col.value(b.properties ?? {});
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * s.sortDir;
    });
    const sortBy = (key: string): void => {
      if (s.sortKey === key) s.sortDir = -s.sortDir;
      else { s.sortKey = key; s.sortDir = ['rank', 'name'].includes(key) ? 1 : -1; }
      renderBody();
    };
    return h('table', { class: 'data', 'data-testid': 'sector-table' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {
        class: `${c.text ? '' : 'num '}${c.key === s.sortKey ? (s.sortDir > 0 ? 'sorted asc' : 'sorted desc') : 'sortable'}`, tabindex: 0,
        'aria-sort': c.key === s.sortKey ? (s.sortDir > 0 ? 'ascending' : 'descending') : 'none',
        onclick: () => sortBy(c.key), onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Enter') sortBy(c.key); },
      }, t(c.label))))),
      h('tbody', {}, rows.map((f) => h('tr', {
        class: f === selected ? 'selected' : '', onclick: () => select(f, true),
      }, columns.map((c) => h('td', { class: c.text ? 'name' : 'num' }, c.fmt(f.properties ?? {})))))));
  };

  const sideBySide = (): HTMLElement | null => {
    if (!selected || !fc) return null;
    const sec = sectionOf(selected.properties ?? {});
    // Until the section endpoint answers, show the sides from the risk table.
    const sides = section?.features ?? (sec ? fc.features.filter((g) => sectionOf(g.properties ?? {}) === sec) : [selected]);
    const drugs = [...new Set(sides.flatMap((g) => Object.entries(kgByDrug(g.properties ?? {})).filter(([, v]) => v > 0).map(([d]) => d)))].sort();
    const cell = (g: Feature, fn: (p: Props) => string | Node): HTMLElement => h('td', { class: 'num' }, fn(g.properties ?? {}));
    const line = (title: string, fn: (p: Props) => string | Node, cls = ''): HTMLElement => h('tr', { class: cls }, h('th', {}, title), sides.map((g) => cell(g, fn)));
    const test = section?.section?.sides_test;
    const sel = selected.properties ?? {};
    return h('section', { class: 'group', 'data-testid': 'side-by-side' },
      h('h2', {}, t('sec.side_by_side')),
      h('p', { class: 'small' }, t('sec.section_of', { border: str(sel.border), n: sectionNo(sel) || sec }),
        h('span', { class: 'muted' }, ` (${sec})`)),
      sides.length < 2 ? h('p', { class: 'muted small' }, t('sec.no_other_side')) : null,
      h('table', { class: 'data compare' },
        h('thead', {}, h('tr', {}, h('th', {}), sides.map((g) => h('th', { class: 'num' }, sideOf(g.properties ?? {}), h('div', { class: 'muted small' }, str(g.properties?.agency)))))),
        h('tbody', {},
          line(t('sec.score'), (p) => num(Number(p.score ?? 0), 1)),
          line(t('sec.rank'), (p) => num(Number(p.rank))),
          line(t('sec.seizures'), (p) => num(Number(p.seizures ?? 0))),
          line(t('sec.incidents'), (p) => num(Number(p.incidents ?? 0))),
          line(t('sec.kg'), (p) => kg(totalKG(p))),
          drugs.map((d) => line(label('drug', d), (p) => kg(Number(kgByDrug(p)[d] ?? 0)), 'sub')),
          line(t('sec.hot_share'), (p) => pct(Number(p.hot_share ?? 0), 0, true)),
          line(t('sec.events_per_100km'), (p) => num(Number(p.events_per_100km ?? 0), 1)),
          line(t('sec.change'), changeCell))),
      test ? h('p', { class: 'small', 'data-testid': 'sides-test' }, !test.different ? t('sec.sides_same', { p: pText(test.p) })
        : test.rate_ratio === null ? t('sec.sides_only', { first: test.first, second: test.second, p: pText(test.p) })
          : test.rate_ratio >= 1 ? t('sec.sides_differ', { first: test.first, second: test.second, ratio: num(test.rate_ratio, 1), p: pText(test.p) })
            : t('sec.sides_differ', { first: test.second, second: test.first, ratio: num(1 / test.rate_ratio, 1), p: pText(test.p) })) : null,
      sectionErr ? notice('error', errorText(sectionErr), 'section-error') : null);
  };

  const legend = (): HTMLElement | null => {
    if (!fc) return null;
    const pal = SEQ.slice(1);
    const k = pal.length / Math.max(breaks.length, 1);
    const fmt = (v: number): string => (s.metric === 'kg' ? kg(v) : num(v, s.metric === 'score' ? 1 : 0));
    return h('div', { class: 'legend', 'data-testid': 'sector-legend' }, h('div', { class: 'legend-title' }, t(`sec.metric_${s.metric}`)),
      h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: 'background:#f4f4f4' }), h('span', {}, t('sec.legend_zero'))),
      breaks.map((b, i) => h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${pal[Math.min(pal.length - 1, Math.floor(i * k))]}` }),
        h('span', {}, `${i === 0 ? '> 0' : '> ' + fmt(breaks[i - 1])} … ${fmt(b)}`))),
      h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: 'background:transparent;border:2px solid #0b57d0' }), h('span', {}, t('sec.legend_selected'))));
  };

  const renderBody = (): void => {
    if (!panelEl || !active) return;
    const formula = fc?.score?.formula ? h('details', { class: 'small' }, h('summary', {}, t('sec.formula')), h('pre', { class: 'formula' }, fc.score.formula)) : null;
    const unplaced = fillSlots(panelEl, err);
    replace(bodyEl,
      loading ? h('div', { class: 'busy' }, t('common.loading')) : null,
      err ? notice('error', problemText(err, unplaced), 'sectors-error') : null,
      fc ? h('div', { class: 'stat', 'data-testid': 'sector-count' }, t('sec.count', { n: num(fc.features.length) }),
        fc.period ? h('span', { class: 'muted' }, ` · ${date(fc.period.start)} – ${date(addDays(fc.period.end.slice(0, 10), -1))}`) : null) : null,
      formula, sideBySide(),
      fc && fc.features.length ? h('div', { class: 'table-wrap' }, table()) : null,
      fc && fc.features.length && fc.compare_period ? h('p', { class: 'muted small', 'data-testid': 'change-note' }, t('sec.change_note', {
        from: date(fc.compare_period.start), to: date(addDays(fc.compare_period.end.slice(0, 10), -1)),
      })) : null,
      fc && fc.features.length ? h('p', { class: 'muted small', 'data-testid': 'rank-note' }, t(s.pair || s.agency ? 'sec.rank_note_filtered' : 'sec.rank_note')) : null);
    const lg = legend();
    replace(ctx.legend, lg);
  };

  /** zoomToBorder shows the chosen border (all of them when none is chosen). */
  const zoomToBorder = (): void => {
    const lines = ctx.base.borders.features.filter((f) => !s.pair || `${str(f.properties?.country_a)}-${str(f.properties?.country_b)}` === s.pair);
    if (lines.length) fitTo(map, lines, 9);
  };

  const render = (panel: HTMLElement): void => {
    panelEl = panel;
    const param = { from: 'from', to: 'to', compareFrom: 'compare_from', compareTo: 'compare_to' } as const;
    const dateIn = (id: string, key: 'from' | 'to' | 'compareFrom' | 'compareTo'): HTMLInputElement =>
      h('input', {
        type: 'date', id, value: s[key], 'data-param': param[key], 'aria-label': t(`a11y.${key}`), onchange: (e: Event) => {
          s[key] = (e.target as HTMLInputElement).value;
          // Until the user picks a comparison period, it is the one just before of equal length.
          if (key === 'compareFrom' || key === 'compareTo') compareChosen = true;
          else if (!compareChosen) followPeriod(panel);
        },
      });
    const pairs = ctx.base.borders.features.map((f) => `${str(f.properties?.country_a)}-${str(f.properties?.country_b)}`);
    bodyEl = h('div', { id: 'sec-body' });
    replace(panel,
      h('h1', {}, t('sec.title')),
      h('p', { class: 'muted' }, t('sec.intro')),
      h('section', { class: 'group' },
        h('div', { class: 'grid2' },
          h('label', { for: 's-from' }, t('sec.period')), h('div', {}, h('div', { class: 'row' }, dateIn('s-from', 'from'), '—', dateIn('s-to', 'to')), slot('from', 'to', 'period')),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 's-compare', checked: s.compare, onchange: (e: Event) => { s.compare = (e.target as HTMLInputElement).checked; } }), t('sec.compare')),
          h('div', {}, h('div', { class: 'row' }, dateIn('s-cfrom', 'compareFrom'), '—', dateIn('s-cto', 'compareTo')), slot('compare_from', 'compare_to')),
          h('label', { for: 's-pair' }, t('sec.pair')),
          h('select', { id: 's-pair', 'data-param': 'pair', onchange: (e: Event) => { s.pair = (e.target as HTMLSelectElement).value; zoomToBorder(); } }, option('', t('filter.all'), !s.pair), pairs.map((p) => option(p, p, p === s.pair))),
          h('label', { for: 's-agency' }, t('filter.agency')),
          h('select', { id: 's-agency', 'data-param': 'agency', onchange: (e: Event) => { s.agency = (e.target as HTMLSelectElement).value; } }, option('', t('filter.all'), !s.agency), ctx.agencies.map((a) => option(a, a, a === s.agency))),
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
