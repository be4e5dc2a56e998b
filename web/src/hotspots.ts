// Hotspot view: Gi* cells by confidence bin, kernel density, DBSCAN
// clusters, emerging hot spot categories and the events themselves
// (clustered on the map, fetched only for the visible area), with time,
// kind, drug and agency filters.
import type { MapGeoJSONFeature, MapMouseEvent, VectorTileSource } from 'maplibre-gl';
import * as api from './api';
import { CATEGORIES, Ctx, DRUGS, KINDS, View, errorText, fillSlots, isAbort, monthEnd, monthIndex, monthStart, notice, problemText, slot } from './app';
import { debounce, h, option, replace } from './dom';
import { date, kg, label, month, num, sig, t } from './i18n';
import {
  BELOW_BORDERS, BELOW_LABELS, CLUSTER_LINE, EMERGING_COLORS, EMERGING_LINES, EVENT_COLORS, FONT, GI_COLORS, GI_LINES, SEQ, SEQ_LINE, addSource, normalizeCategory, pointerOn, popup,
  bboxOf, fitData, quantileBreaks, setData, setVisible, stepColor, viewBBox,
} from './map';

/** DEFAULT_MONTHS is the default period: the last two years of data. */
const DEFAULT_MONTHS = 24;
/** KDE_FLOOR is the share of the peak density below which kernel density cells are not drawn. */
const KDE_FLOOR = 0.005;

const LAYERS = {
  cells: ['hs-cells-fill', 'hs-cells-line'],
  emerging: ['hs-emerging-fill', 'hs-emerging-line', 'hs-emerging-dash'],
  clusters: ['hs-clusters-fill', 'hs-clusters-line', 'hs-clusters-label'],
  events: ['hs-ev-clusters', 'hs-ev-count', 'hs-ev-points'],
};

interface State {
  method: 'gistar' | 'kde';
  cellM: number;
  radiusM: number;
  bandwidthM: number;
  fromM: number;
  toM: number;
  kind: string;
  drug: string;
  agency: string;
  category: string;
  show: { cells: boolean; emerging: boolean; clusters: boolean; events: boolean };
  epsM: number;
  minPoints: number;
  step: string;
}

/** hotspotsView builds the hotspot view. */
export function hotspotsView(ctx: Ctx): View {
  const { map } = ctx;
  const minM = monthIndex(ctx.eventRange.from);
  const maxM = monthIndex(ctx.eventRange.to);
  const s: State = {
    method: 'gistar', cellM: 5000, radiusM: 12000, bandwidthM: 15000,
    fromM: Math.max(minM, maxM - DEFAULT_MONTHS + 1), toM: maxM, kind: '', drug: '', agency: '', category: '',
    show: { cells: true, emerging: false, clusters: false, events: true },
    epsM: 5000, minPoints: 10, step: 'month',
  };
  // Results kept across re-renders (language switch).
  let cells: api.AnalysisCollection | null = null;
  let cellsErr: unknown = null;
  let emergingFC: api.AnalysisCollection | null = null;
  let emergingErr: unknown = null;
  let clustersFC: api.AnalysisCollection | null = null;
  let clustersErr: unknown = null;
  let evInfo: { returned: number; matched: number } | null = null;
  let evErr: unknown = null;
  let busy = 0;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let ctrlEv: AbortController | null = null;

  const filter = (): api.EventFilter => ({
    from: monthStart(s.fromM), to: monthEnd(s.toM), kind: s.kind || undefined, drug: s.drug || undefined,
    agency: s.agency || undefined, category: s.category || undefined,
  });

  /** cellParams are the method and grid of the hotspot cells. */
  const cellParams = (): api.HotspotParams => s.method === 'gistar'
    ? { method: 'gistar', cell_m: s.cellM, radius_m: s.radiusM, min_bin: 1 }
    : { method: 'kde', cell_m: s.cellM, bandwidth_m: s.bandwidthM };

  // ---- map layers -------------------------------------------------------
  // Hotspot cells come as vector tiles of the same analysis (the server
  // computes it once and cuts it per tile); the values for the legend and
  // the summary come without outlines (skipGeometry).
  if (!map.getSource('hs-cells')) map.addSource('hs-cells', { type: 'vector', tiles: [api.hotspotTilesURL(cellParams(), filter())], minzoom: 0, maxzoom: 14 });
  addSource(map, 'hs-emerging');
  addSource(map, 'hs-clusters');
  // Events come as vector tiles: clusters (count > 1) below zoom 12 and
  // in dense tiles, each event deeper; the server bins them per tile.
  if (!map.getSource('hs-events')) map.addSource('hs-events', { type: 'vector', tiles: [api.eventTilesURL(filter())], minzoom: 0, maxzoom: 14 });
  const cellLayer = { source: 'hs-cells', 'source-layer': 'hotspots' } as const;
  map.addLayer({ id: 'hs-cells-fill', type: 'fill', ...cellLayer, paint: { 'fill-color': 'transparent', 'fill-opacity': 0.78 } }, BELOW_BORDERS);
  map.addLayer({ id: 'hs-cells-line', type: 'line', ...cellLayer, paint: { 'line-color': 'transparent', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.6, 7, 0.8, 9, 0.5] } }, BELOW_BORDERS);
  map.addLayer({ id: 'hs-emerging-fill', type: 'fill', source: 'hs-emerging', paint: { 'fill-color': ['coalesce', ['get', '_color'], '#eee'], 'fill-opacity': 0.8 } }, BELOW_BORDERS);
  map.addLayer({ id: 'hs-emerging-line', type: 'line', source: 'hs-emerging', paint: { 'line-color': ['coalesce', ['get', '_line'], '#767676'], 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.6, 7, 0.8, 9, 0.5] } }, BELOW_BORDERS);
  map.addLayer({ id: 'hs-emerging-dash', type: 'line', source: 'hs-emerging', paint: { 'line-color': ['coalesce', ['get', '_line'], '#767676'], 'line-width': 2.2, 'line-dasharray': [1.5, 1] } }, BELOW_BORDERS);
  map.addLayer({ id: 'hs-clusters-fill', type: 'fill', source: 'hs-clusters', paint: { 'fill-color': CLUSTER_LINE, 'fill-opacity': 0.12 } }, BELOW_LABELS);
  map.addLayer({ id: 'hs-clusters-line', type: 'line', source: 'hs-clusters', paint: { 'line-color': CLUSTER_LINE, 'line-width': 2, 'line-dasharray': [2, 1] } }, BELOW_LABELS);
  map.addLayer({
    id: 'hs-clusters-label', type: 'symbol', source: 'hs-clusters',
    layout: { 'text-field': ['to-string', ['coalesce', ['get', 'count'], ['get', 'members'], ['get', 'n'], '']], 'text-font': FONT, 'text-size': 12 },
    paint: { 'text-color': '#4a2270', 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
  });
  map.addLayer({
    id: 'hs-ev-clusters', type: 'circle', source: 'hs-events', 'source-layer': 'events', filter: ['>', ['get', 'count'], 1],
    paint: {
      'circle-color': EVENT_COLORS.group, 'circle-opacity': 0.75, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.2,
      'circle-radius': ['step', ['get', 'count'], 10, 10, 12, 50, 15, 200, 18, 1000, 22],
    },
  });
  map.addLayer({
    id: 'hs-ev-count', type: 'symbol', source: 'hs-events', 'source-layer': 'events', filter: ['>=', ['get', 'count'], 10],
    layout: { 'text-field': ['number-format', ['get', 'count'], { 'max-fraction-digits': 0 }], 'text-font': FONT, 'text-size': 10 },
    paint: { 'text-color': '#ffffff' },
  });
  map.addLayer({
    id: 'hs-ev-points', type: 'circle', source: 'hs-events', 'source-layer': 'events', filter: ['==', ['get', 'count'], 1],
    paint: {
      // A dark dot in a white ring: one of the two stands out from every cell colour.
      // A single event of a clustered tile has no kind, only seizures.
      'circle-color': ['case', ['has', 'kind'], ['match', ['get', 'kind'], 'seizure', EVENT_COLORS.seizure, EVENT_COLORS.incident],
        ['>', ['get', 'seizures'], 0], EVENT_COLORS.seizure, EVENT_COLORS.incident],
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'total_kg'], 0]], 0, 4, 30, 10],
      'circle-stroke-color': EVENT_COLORS.ring, 'circle-stroke-width': 1.5, 'circle-opacity': 1,
    },
  });
  const all = Object.values(LAYERS).flat();
  setVisible(map, all, false);
  pointerOn(map, ['hs-ev-points', 'hs-ev-clusters', 'hs-cells-fill', 'hs-clusters-fill', 'hs-emerging-fill']);

  const showLayers = (): void => {
    for (const [k, ids] of Object.entries(LAYERS)) setVisible(map, ids, active && s.show[k as keyof State['show']]);
    // Drawn together with the Gi* or density cells, emerging categories are
    // dashed outlines over them instead of a second fill that would hide them.
    const together = s.show.cells && s.show.emerging;
    setVisible(map, ['hs-emerging-fill', 'hs-emerging-line'], active && s.show.emerging && !together);
    setVisible(map, ['hs-emerging-dash'], active && together);
    mapOutlined = together;
  };
  let mapOutlined = false;

  // ---- loading ----------------------------------------------------------
  const rerender = (): void => {
    if (panelEl && active) fillStatus();
  };

  // Each analysis layer is fetched on its own, and only when its parameters
  // changed: switching one layer on does not recompute (or redraw) the others.
  type Analysis = 'cells' | 'emerging' | 'clusters';
  const ctrls: Partial<Record<Analysis, AbortController>> = {};
  const loadedKey: Partial<Record<Analysis, string>> = {};
  const layerKey = (layer: Analysis): string => JSON.stringify([filter(), layer === 'cells' ? [s.method, s.cellM, s.radiusM, s.bandwidthM]
    : layer === 'emerging' ? [s.step, s.cellM, s.radiusM] : [s.epsM, s.minPoints]]);

  // fitPending asks the next cells answer to fit the view (set when the
  // filters change, not when the map moves).
  let fitPending = false;
  const loadLayer = async (layer: Analysis): Promise<void> => {
    if (!s.show[layer]) return;
    const key = layerKey(layer);
    if (key === loadedKey[layer]) return;
    ctrls[layer]?.abort();
    const ctrl = (ctrls[layer] = new AbortController());
    const f = filter();
    busy++;
    rerender();
    try {
      if (layer === 'cells') {
        const p = cellParams();
        // After a change of the filters the view fits the cells holding
        // events, so that answer comes with the cells' outlines; every
        // other one without them, as the map draws the cells from tiles.
        const fit = fitPending;
        cells = fit ? await api.hotspots(p, f, ctrl.signal) : await api.hotspotValues(p, f, ctrl.signal);
        cellsErr = null;
        cellsURL = api.hotspotTilesURL(p, f);
        drawCells();
        // After a change of the filters, the view fits the cells holding
        // events: zooming in from there lands on data.
        if (fit) {
          fitPending = false;
          fitData(map, bboxOf(cells.features.filter((c) => Number(c.properties?.count ?? 0) > 0)));
        }
      } else if (layer === 'emerging') {
        emergingFC = await api.emerging({ step: s.step, cell_m: s.cellM, radius_m: s.radiusM }, f, ctrl.signal);
        emergingErr = null;
        drawEmerging();
      } else {
        clustersFC = await api.clusters({ eps_m: s.epsM, min_points: s.minPoints }, f, ctrl.signal);
        clustersErr = null;
        setData(map, 'hs-clusters', clustersFC);
      }
      loadedKey[layer] = key;
    } catch (e) {
      if (!isAbort(e)) {
        delete loadedKey[layer];
        if (layer === 'cells') { cells = null; cellsErr = e; drawCells(); }
        else if (layer === 'emerging') { emergingFC = null; emergingErr = e; drawEmerging(); }
        else { clustersFC = null; clustersErr = e; setData(map, 'hs-clusters', []); }
      }
    } finally {
      busy--;
      rerender();
    }
  };
  const loadCells = async (): Promise<void> => {
    await Promise.all((['cells', 'emerging', 'clusters'] as Analysis[]).map((l) => loadLayer(l)));
  };

  const loadEvents = async (): Promise<void> => {
    if (!active || !s.show.events) return;
    const bbox = viewBBox(map);
    ctrlEv?.abort();
    const ctrl = (ctrlEv = new AbortController());
    busy++;
    rerender();
    try {
      // The tiles draw every event; the items' first page only counts them.
      const f = filter();
      const fc = await api.events(f, bbox, 1, ctrl.signal);
      const matched = fc.numberMatched ?? fc.numberReturned;
      evInfo = { returned: matched, matched };
      evErr = null;
      const url = api.eventTilesURL(f);
      const src = map.getSource('hs-events') as VectorTileSource | undefined;
      if (src && src.tiles?.[0] !== url) src.setTiles([url]);
    } catch (e) {
      if (!isAbort(e)) { evErr = e; evInfo = null; }
    } finally {
      busy--;
      rerender();
    }
  };

  const reload = debounce(() => { void loadCells(); void loadEvents(); }, 250);
  const reloadEvents = debounce(() => void loadEvents(), 300);
  const reloadAnalyses = debounce(() => void loadCells(), 250);
  map.on('moveend', () => { if (active) reloadEvents(); });

  // ---- drawing ----------------------------------------------------------
  let kdeBreaks: number[] = [];
  let kdeProp = 'density_km2';
  /** cellsURL is the tiles' URL of the cells of the last values loaded. */
  let cellsURL = '';
  /** showCells draws the tiles of url with only the cells that filter keeps. */
  const showCells = (url: string, keep: unknown): void => {
    const src = map.getSource('hs-cells') as VectorTileSource | undefined;
    if (src && url && src.tiles?.[0] !== url) src.setTiles([url]);
    for (const id of LAYERS.cells) map.setFilter(id, keep as never);
  };
  const drawCells = (): void => {
    if (!cells) { kdeBreaks = []; showCells('', ['==', 1, 0]); return; }
    if (s.method === 'gistar') {
      const color = ['match', ['to-string', ['get', 'gi_bin']], ...Object.entries(GI_COLORS).flat(), 'transparent'];
      const line = ['match', ['to-string', ['get', 'gi_bin']], ...Object.entries(GI_LINES).flat(), 'transparent'];
      const opacity = ['case', ['==', ['to-number', ['get', 'gi_bin'], 0], 0], 0.0, 0.8];
      map.setPaintProperty('hs-cells-fill', 'fill-color', color as never);
      map.setPaintProperty('hs-cells-fill', 'fill-opacity', opacity as never);
      map.setPaintProperty('hs-cells-line', 'line-color', line as never);
    } else {
      kdeProp = 'density_km2';
      // The surface has a value in every cell of the area, mostly zero or
      // next to it: only cells above KDE_FLOOR of the peak are drawn.
      const peak = Math.max(0, ...cells.features.map((f) => Number(f.properties?.[kdeProp] ?? 0)));
      const shown = cells.features.filter((f) => Number(f.properties?.[kdeProp] ?? 0) >= peak * KDE_FLOOR && peak > 0);
      kdeBreaks = quantileBreaks(shown.map((f) => Number(f.properties?.[kdeProp] ?? 0)), SEQ.length);
      const color = stepColor(kdeProp, kdeBreaks, SEQ);
      map.setPaintProperty('hs-cells-fill', 'fill-color', color);
      map.setPaintProperty('hs-cells-fill', 'fill-opacity', 0.72);
      map.setPaintProperty('hs-cells-line', 'line-color', SEQ_LINE);
      showCells(cellsURL, peak > 0 ? ['>=', ['to-number', ['get', kdeProp], 0], peak * KDE_FLOOR] : ['==', 1, 0]);
      return;
    }
    showCells(cellsURL, ['==', ['geometry-type'], 'Polygon']);
  };
  const drawEmerging = (): void => {
    if (!emergingFC) { setData(map, 'hs-emerging', []); return; }
    for (const f of emergingFC.features) {
      const c = normalizeCategory(f.properties?.pattern);
      f.properties = { ...f.properties, _cat: c, _color: EMERGING_COLORS[c] ?? '#eeeeee', _line: EMERGING_LINES[c] ?? '#767676' };
    }
    const shown = emergingFC.features.filter((f) => f.properties?._cat !== 'no_pattern');
    setData(map, 'hs-emerging', shown);
  };

  // ---- popups -----------------------------------------------------------
  const row = (k: string, v: string | Node): HTMLElement => h('tr', {}, h('th', {}, k), h('td', {}, v));
  const eventPopup = (f: MapGeoJSONFeature): HTMLElement => {
    const p = f.properties as Record<string, unknown>;
    const items = typeof p.items === 'string' ? JSON.parse(p.items) as api.Item[] : (p.items as api.Item[] ?? []);
    const id = String(f.id ?? p.id ?? '');
    return h('div', { class: 'pop', 'data-testid': 'event-popup' },
      h('div', { class: 'pop-title' }, label('kind', String(p.kind)), ' · ', date(String(p.occurred_at))),
      h('table', { class: 'kv' },
        items.length ? row(t('event.drugs'), items.map((it) => `${label('drug', it.drug)} ${num(it.quantity, 1)} ${label('unit', it.unit)}${it.confirmed_implausible ? ` (${t('event.confirmed_implausible')})` : ''}`).join(', ')) : null,
        p.kind === 'seizure' ? row(t('event.total_kg'), kg(Number(p.total_kg ?? 0))) : null,
        p.category ? row(t('event.category'), label('category', String(p.category))) : null,
        p.severity ? row(t('event.severity'), String(p.severity)) : null,
        row(t('event.agency'), String(p.agency ?? '')),
        p.place ? row(t('event.place'), String(p.place)) : null,
        p.synthetic === true || p.synthetic === 'true' ? row(t('event.synthetic'), t('common.yes')) : null),
      id ? h('a', { href: `#entry/${id}`, class: 'pop-link' }, t('event.edit')) : null);
  };
  map.on('click', 'hs-ev-points', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const f = e.features?.[0];
    if (f) popup(map, (f.geometry as GeoJSON.Point).coordinates as [number, number], eventPopup(f));
  });
  map.on('click', 'hs-ev-clusters', async (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const f = e.features?.[0];
    if (!f) return;
    map.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom: Math.min(map.getZoom() + 2, 14) });
  });
  const cellPopup = (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }): void => {
    if (map.queryRenderedFeatures(e.point, { layers: ['hs-ev-points', 'hs-ev-clusters'] }).length) return;
    const f = e.features?.[0];
    if (!f) return;
    const p = f.properties as Record<string, unknown>;
    const bin = Number(p.gi_bin ?? 0);
    const content = s.method === 'gistar'
      ? h('div', { class: 'pop', 'data-testid': 'cell-popup' },
        h('div', { class: 'pop-title' }, t(`gi.bin.${bin}`)),
        h('table', { class: 'kv' },
          row(t('cell.events'), num(Number(p.count ?? 0))), row(t('cell.value'), num(Number(p.value ?? 0), 1)),
          row('Gi* z', num(Number(p.gi_z ?? 0), 2)), row('p', num(Number(p.gi_p ?? 0), 4)), row(t('cell.neighbors'), num(Number(p.neighbors ?? 0)))))
      : h('div', { class: 'pop' }, h('div', { class: 'pop-title' }, t('hot.kde')),
        h('table', { class: 'kv' }, row(t('cell.density'), num(Number(p[kdeProp] ?? 0), 3)), row(t('cell.events'), num(Number(p.count ?? 0)))));
    popup(map, e.lngLat, content);
  };
  map.on('click', 'hs-cells-fill', cellPopup);
  map.on('click', 'hs-emerging-fill', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const f = e.features?.[0];
    if (!f || map.queryRenderedFeatures(e.point, { layers: ['hs-ev-points', 'hs-ev-clusters'] }).length) return;
    const p = f.properties as Record<string, unknown>;
    popup(map, e.lngLat, h('div', { class: 'pop', 'data-testid': 'emerging-popup' }, h('div', { class: 'pop-title' }, label('emerging', String(p._cat))),
      h('table', { class: 'kv' },
        row(t('cell.total'), num(Number(p.total ?? 0), 1)),
        row(t('cell.trend'), `z = ${num(Number(p.trend_z ?? 0), 2)}, p = ${num(Number(p.trend_p ?? 1), 3)}`))));
  });
  map.on('click', 'hs-clusters-fill', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const f = e.features?.[0];
    if (!f || map.queryRenderedFeatures(e.point, { layers: ['hs-ev-points', 'hs-ev-clusters'] }).length) return;
    const p = f.properties as Record<string, unknown>;
    let byDrug: Record<string, number> = {};
    try { byDrug = typeof p.kg_by_drug === 'string' ? JSON.parse(p.kg_by_drug) : (p.kg_by_drug as Record<string, number>) ?? {}; } catch { /* shown without */ }
    const drugs = Object.entries(byDrug).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    popup(map, e.lngLat, h('div', { class: 'pop', 'data-testid': 'cluster-popup' }, h('div', { class: 'pop-title' }, t('hot.cluster'), ' ', num(Number(p.cluster_id))),
      h('table', { class: 'kv' },
        row(t('cluster.count'), num(Number(p.count ?? 0))),
        row(t('cluster.core'), num(Number(p.core ?? 0))),
        row(t('event.total_kg'), kg(Number(p.kg ?? 0))),
        drugs.length ? row(t('event.drugs'), drugs.map(([d, v]) => `${label('drug', d)} ${kg(v)}`).join(', ')) : null,
        row(t('cluster.span'), `${date(String(p.start))} – ${date(String(p.end))}`))));
  });

  // ---- panel ------------------------------------------------------------
  let statusEl: HTMLElement;

  const fillStatus = (): void => {
    // The analyses' parameter errors go next to their inputs.
    const failed = [s.show.cells && cellsErr, s.show.emerging && emergingErr, s.show.clusters && clustersErr].filter((e) => e instanceof api.ApiError) as api.ApiError[];
    const unplaced = panelEl ? fillSlots(panelEl, new api.ApiError(400, '', '', failed.flatMap((e) => e.params), false, '')) : [];
    const unplacedOf = (e: unknown): api.InvalidParam[] => (e instanceof api.ApiError ? e.params.filter((p) => unplaced.some((u) => u.name === p.name)) : []);
    const parts: (HTMLElement | null)[] = [];
    if (busy > 0) parts.push(h('div', { class: 'busy' }, t('common.loading')));
    if (s.show.events) {
      if (evErr) parts.push(notice('error', t('hot.events_error') + ' ' + errorText(evErr), 'events-error'));
      else if (evInfo) {
        parts.push(h('div', { class: 'stat', 'data-testid': 'events-count', 'data-matched': String(evInfo.matched) },
          t('hot.events_in_view', { shown: num(evInfo.returned), matched: num(evInfo.matched) })));
      }
    }
    if (s.show.cells) {
      if (cellsErr) parts.push(notice('error', problemText(cellsErr, unplacedOf(cellsErr)), 'cells-error'));
      else if (cells) {
        const c = cells as Record<string, unknown>;
        const sig = cells.features.filter((f) => Number(f.properties?.gi_bin ?? 0) > 0).length;
        const cold = cells.features.filter((f) => Number(f.properties?.gi_bin ?? 0) < 0).length;
        parts.push(h('div', { class: 'stat', 'data-testid': 'cells-summary', 'data-cells': String(cells.features.length) },
          s.method === 'gistar'
            ? t('hot.gi_summary', { hot: num(sig), cold: num(cold), n: num(Number(c.n_cells ?? cells.features.length)), mean: num(Number(c.mean ?? NaN), 2), std: num(Number(c.std ?? NaN), 2) })
            : t('hot.kde_summary', { n: num(cells.features.length) })));
        // Too small a sample: the server reports no significance and says why.
        const w = c.warning as { code?: string; events?: number; nonzero_cells?: number; min_events?: number; min_nonzero_cells?: number } | undefined;
        if (s.method === 'gistar' && w?.code) {
          parts.push(notice('warn', t(w.code === 'too_few_events' ? 'hot.too_few_events' : 'hot.too_few_nonzero_cells', {
            events: num(Number(w.events ?? 0)), cells: num(Number(w.nonzero_cells ?? 0)),
            min_events: num(Number(w.min_events ?? 0)), min_cells: num(Number(w.min_nonzero_cells ?? 0)),
          }), 'gi-warning'));
        }
      }
    }
    if (s.show.clusters) {
      if (clustersErr) parts.push(notice('error', problemText(clustersErr, unplacedOf(clustersErr)), 'clusters-error'));
      else if (clustersFC) {
        const c = clustersFC as Record<string, unknown>;
        parts.push(h('div', { class: 'stat', 'data-testid': 'clusters-summary' }, t('hot.clusters_summary', {
          n: num(clustersFC.features.length), clustered: num(Number(c.n_clustered ?? 0)), noise: num(Number(c.n_noise ?? 0)),
        })));
      }
    }
    if (s.show.emerging && emergingErr) parts.push(notice('error', problemText(emergingErr, unplacedOf(emergingErr)), 'emerging-error'));
    else if (s.show.emerging && emergingFC) {
      const shown = emergingFC.features.filter((f) => f.properties?._cat !== 'no_pattern').length;
      parts.push(h('div', { class: 'stat', 'data-testid': 'emerging-summary' }, t('hot.emerging_summary', {
        n: num(shown), cells: num(emergingFC.features.length), steps: num(Array.isArray(emergingFC.steps) ? emergingFC.steps.length : 0),
      })));
    }
    replace(statusEl, parts);
    fillLegend();
  };

  /** swatch is a legend row: a fill with its outline, or (line) an outline only. */
  const swatch = (color: string, text: string, count?: number, line = '', dashed = false): HTMLElement =>
    h('div', { class: 'legend-row' }, h('span', {
      class: 'swatch', style: `background:${dashed ? 'transparent' : color};${line ? `border:2px ${dashed ? 'dashed' : 'solid'} ${line}` : ''}`,
    }), h('span', {}, text), count !== undefined ? h('span', { class: 'legend-n' }, num(count)) : null);
  const dot = (color: string, text: string): HTMLElement =>
    h('div', { class: 'legend-row' }, h('span', { class: 'swatch dot', style: `background:${color};border:2px solid ${EVENT_COLORS.ring};box-shadow:0 0 0 1px ${color}` }), h('span', {}, text));

  const fillLegend = (): void => {
    const parts: HTMLElement[] = [];
    if (s.show.cells && s.method === 'gistar') {
      const counts: Record<string, number> = {};
      for (const f of cells?.features ?? []) counts[String(f.properties?.gi_bin ?? 0)] = (counts[String(f.properties?.gi_bin ?? 0)] ?? 0) + 1;
      // With min_bin=1 the server leaves the insignificant cells out; n_cells counts them all.
      if (cells && typeof cells.n_cells === 'number') counts['0'] = (counts['0'] ?? 0) + Math.max(0, cells.n_cells - cells.features.length);
      parts.push(h('div', { class: 'legend', 'data-testid': 'gi-legend' }, h('div', { class: 'legend-title' }, t('hot.legend_gi')),
        ['3', '2', '1', '0', '-1', '-2', '-3'].map((b) => swatch(GI_COLORS[b], t(`gi.bin.${b}`), counts[b] ?? 0, GI_LINES[b])),
        h('div', { class: 'muted small' }, t('hot.legend_gi_note'))));
    }
    if (s.show.cells && s.method === 'kde' && kdeBreaks.length) {
      const k = SEQ.length / kdeBreaks.length;
      parts.push(h('div', { class: 'legend', 'data-testid': 'kde-legend' }, h('div', { class: 'legend-title' }, t('hot.legend_kde')),
        kdeBreaks.map((b, i) => swatch(SEQ[Math.min(SEQ.length - 1, Math.floor(i * k))], `${i === 0 ? '≥ ' + sig(kdeBreaks[kdeBreaks.length - 1] * KDE_FLOOR) : '> ' + sig(kdeBreaks[i - 1])} … ${sig(b)}`, undefined, SEQ_LINE)),
        h('div', { class: 'muted small' }, t('hot.legend_kde_note', { pct: num(KDE_FLOOR * 100, 1) }))));
    }
    if (s.show.emerging && emergingFC) {
      const counts: Record<string, number> = {};
      for (const f of emergingFC.features) counts[String(f.properties?._cat)] = (counts[String(f.properties?._cat)] ?? 0) + 1;
      const cats = Object.keys(EMERGING_COLORS).filter((c) => counts[c]);
      parts.push(h('div', { class: 'legend', 'data-testid': 'emerging-legend' }, h('div', { class: 'legend-title' }, t('hot.legend_emerging')),
        cats.length ? cats.map((c) => swatch(EMERGING_COLORS[c], label('emerging', c), counts[c], EMERGING_LINES[c], mapOutlined)) : h('div', { class: 'muted small' }, t('hot.no_pattern')),
        mapOutlined ? h('div', { class: 'muted small', 'data-testid': 'emerging-outlined' }, t('hot.legend_emerging_outlined')) : null));
    }
    if (s.show.clusters && clustersFC) {
      parts.push(h('div', { class: 'legend', 'data-testid': 'clusters-legend' }, h('div', { class: 'legend-title' }, t('hot.legend_clusters')),
        swatch('transparent', t('hot.legend_cluster_area', { eps: num(s.epsM), min: num(s.minPoints) }), clustersFC.features.length, CLUSTER_LINE, true),
        h('div', { class: 'muted small' }, t('hot.legend_cluster_note'))));
    }
    if (s.show.events) {
      parts.push(h('div', { class: 'legend', 'data-testid': 'events-legend' }, h('div', { class: 'legend-title' }, t('hot.legend_events')),
        dot(EVENT_COLORS.seizure, label('kind', 'seizure')), dot(EVENT_COLORS.incident, label('kind', 'incident')), dot(EVENT_COLORS.group, t('hot.legend_group'))));
    }
    if (active) replace(ctx.legend, parts);
  };

  const numInput = (id: string, value: number, min: number, step: number, on: (v: number) => void): HTMLInputElement =>
    h('input', { type: 'number', id, value, min, step, onchange: (e: Event) => { const v = Number((e.target as HTMLInputElement).value); if (v > 0) { on(v); reloadAnalyses(); } } });
  /** select is a drop-down; a filter reloads the events too, an analysis parameter only the analyses. */
  const select = (id: string, value: string, opts: [string, string][], on: (v: string) => void, analysis = false): HTMLSelectElement =>
    h('select', { id, onchange: (e: Event) => { on((e.target as HTMLSelectElement).value); if (analysis) reloadAnalyses(); else { fitPending = true; reload(); } } }, opts.map(([v, l]) => option(v, l, v === value)));
  /** field puts a parameter's input above the place for the API's errors about it. */
  const field = (input: HTMLInputElement | HTMLSelectElement, param: string): HTMLElement => {
    input.dataset.param = param;
    return h('div', {}, input, slot(param));
  };
  const check = (key: keyof State['show']): HTMLLabelElement =>
    h('label', { class: 'check' }, h('input', {
      type: 'checkbox', id: `show-${key}`, checked: s.show[key], onchange: (e: Event) => {
        s.show[key] = (e.target as HTMLInputElement).checked;
        showLayers();
        if (key === 'events') reloadEvents(); else void loadLayer(key);
        rerender();
      },
    }), t(`hot.show_${key}`));

  const render = (panel: HTMLElement): void => {
    panelEl = panel;
    const fromLabel = h('span', { class: 'range-value', 'data-testid': 'from-label' }, month(s.fromM));
    const toLabel = h('span', { class: 'range-value', 'data-testid': 'to-label' }, month(s.toM));
    const fromIn = h('input', { type: 'range', id: 'time-from', min: minM, max: maxM, value: s.fromM, 'aria-label': t('filter.from') });
    const toIn = h('input', { type: 'range', id: 'time-to', min: minM, max: maxM, value: s.toM, 'aria-label': t('filter.to') });
    const onRange = (): void => {
      let a = Number(fromIn.value), b = Number(toIn.value);
      if (a > b) [a, b] = [b, a];
      s.fromM = a; s.toM = b;
      fromLabel.textContent = month(a); toLabel.textContent = month(b);
      fitPending = true;
      reload();
    };
    fromIn.addEventListener('input', onRange);
    toIn.addEventListener('input', onRange);
    statusEl = h('div', { class: 'status', id: 'hot-status' });
    const any = (prefix: string, codes: string[]): [string, string][] => [['', t('filter.all')], ...codes.map((c): [string, string] => [c, label(prefix, c)])];

    replace(panel,
      h('h1', {}, t('hot.title')),
      h('p', { class: 'muted' }, t('hot.intro')),
      h('section', { class: 'group' },
        h('h2', {}, t('filter.title')),
        h('div', { class: 'range' }, h('div', { class: 'row between' }, fromLabel, h('span', { class: 'muted' }, '—'), toLabel), fromIn, toIn),
        h('div', { class: 'grid2' },
          h('label', { for: 'f-kind' }, t('filter.kind')), select('f-kind', s.kind, any('kind', KINDS), (v) => (s.kind = v)),
          h('label', { for: 'f-drug' }, t('filter.drug')), select('f-drug', s.drug, any('drug', DRUGS), (v) => (s.drug = v)),
          h('label', { for: 'f-category' }, t('filter.category')), select('f-category', s.category, any('category', CATEGORIES), (v) => (s.category = v)),
          h('label', { for: 'f-agency' }, t('filter.agency')), select('f-agency', s.agency, [['', t('filter.all')], ...ctx.agencies.map((a): [string, string] => [a, a])], (v) => (s.agency = v)))),
      h('section', { class: 'group' },
        h('h2', {}, t('hot.layers')),
        check('cells'),
        h('div', { class: 'grid2 indent' },
          h('label', { for: 'h-method' }, t('hot.method')), select('h-method', s.method, [['gistar', t('hot.gistar')], ['kde', t('hot.kde')]], (v) => (s.method = v as State['method']), true),
          h('label', { for: 'h-cell' }, t('hot.cell_m')), field(numInput('h-cell', s.cellM, 500, 500, (v) => (s.cellM = v)), 'cell_m'),
          s.method === 'gistar'
            ? [h('label', { for: 'h-radius' }, t('hot.radius_m')), field(numInput('h-radius', s.radiusM, 500, 500, (v) => (s.radiusM = v)), 'radius_m')]
            : [h('label', { for: 'h-bw' }, t('hot.bandwidth_m')), field(numInput('h-bw', s.bandwidthM, 500, 500, (v) => (s.bandwidthM = v)), 'bandwidth_m')]),
        check('emerging'),
        h('div', { class: 'grid2 indent' },
          h('label', { for: 'h-step' }, t('hot.step')), field(select('h-step', s.step, ['week', 'month', 'quarter'].map((x): [string, string] => [x, t(`step.${x}`)]), (v) => (s.step = v), true), 'step')),
        check('clusters'),
        h('div', { class: 'grid2 indent' },
          h('label', { for: 'h-eps' }, t('hot.eps_m')), field(numInput('h-eps', s.epsM, 100, 500, (v) => (s.epsM = v)), 'eps_m'),
          h('label', { for: 'h-minpts' }, t('hot.min_points')), field(numInput('h-minpts', s.minPoints, 2, 1, (v) => (s.minPoints = Math.round(v))), 'min_points')),
        check('events')),
      h('section', { class: 'group' }, h('h2', {}, t('hot.results')), statusEl));
    // The method select re-renders to swap radius and bandwidth.
    panel.querySelector('#h-method')?.addEventListener('change', () => render(panel));
    fillStatus();
  };

  return {
    id: 'hotspots',
    titleKey: 'tab.hotspots',
    render,
    activate() {
      active = true;
      showLayers();
      void loadCells();
      void loadEvents();
    },
    deactivate() {
      active = false;
      for (const c of Object.values(ctrls)) c?.abort();
      ctrlEv?.abort();
      showLayers();
    },
  };
}
