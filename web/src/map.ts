// The map: an offline basemap drawn from the service's own reference
// collections, the shared styles and palettes, and helpers the views use to
// add their layers.
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, LayerSpecification, Map as MLMap, StyleSpecification } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import * as api from './api';
import { t } from './i18n';
import { localizeLabels, withCountryNames } from './maplabels';
import PALETTE from './palette.json';
import latin400 from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2';
import latinExt400 from '@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff2';
import cyr400 from '@fontsource/noto-sans/files/noto-sans-cyrillic-400-normal.woff2';
import cyrExt400 from '@fontsource/noto-sans/files/noto-sans-cyrillic-ext-400-normal.woff2';
import latin600 from '@fontsource/noto-sans/files/noto-sans-latin-600-normal.woff2';
import latinExt600 from '@fontsource/noto-sans/files/noto-sans-latin-ext-600-normal.woff2';
import cyr600 from '@fontsource/noto-sans/files/noto-sans-cyrillic-600-normal.woff2';
import cyrExt600 from '@fontsource/noto-sans/files/noto-sans-cyrillic-ext-600-normal.woff2';

declare const __WORKER_URL__: string;

export const FONT = ['Noto Sans Regular'];
export const FONT_BOLD = ['Noto Sans SemiBold'];

/** Layer ids the views insert their layers below, so borders and labels stay on top. */
export const BELOW_BORDERS = 'border-casing';
export const BELOW_LABELS = 'crossings';

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

function fontFaces(): StyleSpecification['font-faces'] {
  const abs = (u: string) => new URL(u, location.href).href;
  const faces = (latin: string, latinExt: string, cyr: string, cyrExt: string) => [
    { url: abs(latin), 'unicode-range': ['U+0000-00FF', 'U+0131', 'U+0152-0153', 'U+02BB-02BC', 'U+02C6', 'U+02DA', 'U+02DC', 'U+2000-206F', 'U+20AC', 'U+2122', 'U+2212'] },
    { url: abs(latinExt), 'unicode-range': ['U+0100-02BA', 'U+02BD-02C5', 'U+02C7-02CC', 'U+02CE-02D7', 'U+02DD-02FF', 'U+1E00-1E9F', 'U+1EF2-1EFF'] },
    { url: abs(cyr), 'unicode-range': ['U+0301', 'U+0400-045F', 'U+0490-0491', 'U+04B0-04B1', 'U+2116'] },
    { url: abs(cyrExt), 'unicode-range': ['U+0460-048F', 'U+0492-04AF', 'U+04B2-052F'] },
  ];
  return {
    'Noto Sans Regular': faces(latin400, latinExt400, cyr400, cyrExt400),
    'Noto Sans SemiBold': faces(latin600, latinExt600, cyr600, cyrExt600),
  };
}

/** Colours of the basemap. */
const C = {
  background: PALETTE.basemap.background,
  land: PALETTE.basemap.land,
  afg: PALETTE.basemap.afg,
  province: '#c7c0b3',
  river: '#86aecb',
  border: '#5b4a6e',
  borderCasing: '#ffffff',
  label: '#3b4148',
  countryLabel: '#6a5f75',
};

function baseStyle(): StyleSpecification {
  const geo = (): maplibregl.GeoJSONSourceSpecification => ({ type: 'geojson', data: EMPTY });
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': C.background } },
    { id: 'online-tiles', type: 'raster', source: 'online', layout: { visibility: 'none' }, paint: { 'raster-opacity': 0.9 } },
    { id: 'countries-fill', type: 'fill', source: 'countries', paint: { 'fill-color': ['match', ['get', 'iso3'], 'AFG', C.afg, C.land], 'fill-opacity': 1 } },
    { id: 'provinces-line', type: 'line', source: 'provinces', minzoom: 4.5, paint: { 'line-color': C.province, 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.4, 9, 1.2], 'line-dasharray': [3, 2] } },
    { id: 'rivers', type: 'line', source: 'rivers', paint: { 'line-color': C.river, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.8, 10, 2.5] } },
    { id: 'border-casing', type: 'line', source: 'borders', paint: { 'line-color': C.borderCasing, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 3, 10, 6], 'line-opacity': 0.85 } },
    { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': C.border, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.3, 10, 2.6] } },
    { id: 'crossings', type: 'circle', source: 'crossings', paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 3, 10, 6], 'circle-color': '#ffffff', 'circle-stroke-color': C.border, 'circle-stroke-width': 2 } },
    { id: 'place-dots', type: 'circle', source: 'places', filter: ['<=', ['get', 'rank'], ['step', ['zoom'], 3, 5, 5, 6.5, 7, 8, 9, 9.5, 12]], paint: { 'circle-radius': 2.2, 'circle-color': C.label, 'circle-opacity': 0.7 } },
    {
      id: 'place-labels', type: 'symbol', source: 'places',
      filter: ['<=', ['get', 'rank'], ['step', ['zoom'], 3, 5, 5, 6.5, 7, 8, 9, 9.5, 12]],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': ['interpolate', ['linear'], ['zoom'], 4, 10, 10, 13], 'text-offset': [0, 0.6], 'text-anchor': 'top', 'text-max-width': 8 },
      paint: { 'text-color': C.label, 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.3 },
    },
    {
      id: 'crossing-labels', type: 'symbol', source: 'crossings', minzoom: 7.5,
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11, 'text-offset': [0, 0.9], 'text-anchor': 'top', 'text-max-width': 10 },
      paint: { 'text-color': C.border, 'text-halo-color': '#fff', 'text-halo-width': 1.2 },
    },
    {
      id: 'country-labels', type: 'symbol', source: 'country-labels', maxzoom: 7.5,
      layout: { 'text-field': ['upcase', ['get', 'name']], 'text-font': FONT_BOLD, 'text-size': ['interpolate', ['linear'], ['zoom'], 4, 12, 7, 17], 'text-letter-spacing': 0.15, 'text-max-width': 12 },
      paint: { 'text-color': C.countryLabel, 'text-halo-color': 'rgba(255,255,255,0.7)', 'text-halo-width': 1.5, 'text-opacity': 0.85 },
    },
  ];
  return {
    version: 8,
    name: 'Borderwatch offline',
    'font-faces': fontFaces(),
    sources: {
      online: { type: 'raster', tiles: ['about:blank#{z}/{x}/{y}'], tileSize: 256, maxzoom: 0 },
      countries: geo(), provinces: geo(), rivers: geo(), borders: geo(), crossings: geo(), places: geo(),
      'country-labels': geo(),
    },
    layers,
  };
}

/** Settings of the optional online tile source (off by default). */
export interface TileSettings {
  enabled: boolean;
  url: string;
  attribution: string;
}

/** tileSettings reads the stored online tile settings. */
export function tileSettings(): TileSettings {
  try {
    const s = JSON.parse(localStorage.getItem('bw.tiles') ?? '{}');
    return { enabled: Boolean(s.enabled && s.url), url: String(s.url ?? ''), attribution: String(s.attribution ?? '') };
  } catch {
    return { enabled: false, url: '', attribution: '' };
  }
}

/** applyTileSettings stores s and shows or hides the online raster layer. */
export function applyTileSettings(map: MLMap, s: TileSettings): void {
  localStorage.setItem('bw.tiles', JSON.stringify(s));
  if (map.getLayer('online-tiles')) map.removeLayer('online-tiles');
  if (map.getSource('online')) map.removeSource('online');
  const on = s.enabled && /^https?:\/\/.+\{z\}.+\{x\}.+\{y\}/.test(s.url);
  map.addSource('online', on
    ? { type: 'raster', tiles: [s.url], tileSize: 256, attribution: s.attribution, maxzoom: 19 }
    : { type: 'raster', tiles: ['about:blank#{z}/{x}/{y}'], tileSize: 256, maxzoom: 0 });
  map.addLayer({ id: 'online-tiles', type: 'raster', source: 'online', layout: { visibility: on ? 'visible' : 'none' } }, 'countries-fill');
  map.setPaintProperty('countries-fill', 'fill-opacity', on ? 0.25 : 1);
  map.setPaintProperty('background', 'background-color', on ? '#ffffff' : C.background);
}

/** COVERED is the region the deployment covers, [w, s, e, n]: the map
 * opens on it and fits itself to data only within it. */
export const COVERED: [number, number, number, number] = [60.5, 29.3, 75.5, 42.2];

/** fitData fits the view to the data's extent bbox [w, s, e, n], clipped
 * to the covered region, so that zooming in from there lands on data; it
 * returns false and leaves the view when nothing of bbox lies inside. */
export function fitData(map: MLMap, bbox: number[] | null | undefined, maxZoom = 9): boolean {
  if (!bbox || bbox.length < 4 || !bbox.slice(0, 4).every(Number.isFinite)) return false;
  const w = Math.max(bbox[0], COVERED[0]), s = Math.max(bbox[1], COVERED[1]);
  const e = Math.min(bbox[2], COVERED[2]), n = Math.min(bbox[3], COVERED[3]);
  if (!(w <= e && s <= n)) return false;
  // A single point or a very small extent gets a few kilometres around it.
  const m = 0.05;
  const fit = (): void => {
    map.fitBounds([[w - m, s - m], [e + m, n + m]], { padding: { top: 40, bottom: 40, right: 50, left: 50 }, maxZoom, duration: 0 });
  };
  fit();
  // The legend dock may take its room from the map just after (the map
  // keeps its centre and zoom then): fit again on a resize soon after.
  const until = Date.now() + 3000;
  const again = (): void => { if (Date.now() < until) fit(); };
  map.once('resize', again);
  return true;
}

/** createMap makes the map over the region; the basemap sources fill in with loadBasemap. */
export function createMap(container: HTMLElement): MLMap {
  maplibregl.setWorkerUrl(__WORKER_URL__);
  const map = new maplibregl.Map({
    container,
    style: baseStyle(),
    bounds: [[COVERED[0], COVERED[1]], [COVERED[2], COVERED[3]]],
    transformRequest: (u) => api.tileRequest(u),
    // Panning and zooming out stop a little beyond the covered region, so the
    // data can never leave the view.
    maxBounds: [[52, 24], [84, 47]],
    attributionControl: { compact: true, customAttribution: '© OpenStreetMap contributors (ODbL); Natural Earth; GeoNames (CC BY 4.0)' },
    dragRotate: false,
    pitchWithRotate: false,
    fadeDuration: 0,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

function ringArea(r: Position[]): number {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
  return Math.abs(a / 2);
}

/** labelPoint returns a point inside the largest polygon of g, for a label. */
export function labelPoint(g: Geometry): Position | null {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  let best: Position[][] | null = null;
  let bestArea = 0;
  for (const p of polys) {
    const a = ringArea(p[0]);
    if (a > bestArea) { bestArea = a; best = p; }
  }
  if (!best) return null;
  // Scan horizontal lines through the polygon and take the midpoint of the
  // widest inside span: always inside, and central enough for a label.
  const ring = best[0];
  let minY = Infinity, maxY = -Infinity;
  for (const [, y] of ring) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  let bestSpan: Position | null = null;
  let bestWidth = 0;
  for (let k = 1; k < 20; k++) {
    const y = minY + ((maxY - minY) * k) / 20;
    const xs: number[] = [];
    for (const r of best) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xi, yi] = r[i], [xj, yj] = r[j];
        if ((yi > y) !== (yj > y)) xs.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
      }
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1] - xs[i];
      const central = 1 - Math.abs(k - 10) / 20;
      if (w * central > bestWidth) { bestWidth = w * central; bestSpan = [(xs[i] + xs[i + 1]) / 2, y]; }
    }
  }
  return bestSpan;
}

/** setData replaces the data of a GeoJSON source. */
export function setData(map: MLMap, source: string, data: FeatureCollection | Feature[]): void {
  const src = map.getSource(source) as GeoJSONSource | undefined;
  const fc: FeatureCollection = Array.isArray(data) ? { type: 'FeatureCollection', features: data } : data;
  src?.setData(fc);
}

/** Basemap is the reference data the views also use (teams, crossings, borders…). */
export interface Basemap {
  countries: FeatureCollection;
  borders: FeatureCollection;
  crossings: FeatureCollection;
  offices: FeatureCollection;
  teams: FeatureCollection;
  places: FeatureCollection;
}

/** loadBasemap fetches the reference collections and draws them. */
export async function loadBasemap(map: MLMap): Promise<Basemap> {
  const ids = ['countries', 'provinces', 'rivers', 'borders', 'crossings', 'places', 'offices', 'teams'] as const;
  const all = await Promise.all(ids.map((id) => api.collection(id)));
  const by = Object.fromEntries(ids.map((id, i) => [id, all[i]])) as Record<(typeof ids)[number], FeatureCollection>;
  for (const id of ['countries', 'provinces', 'rivers', 'borders', 'crossings', 'places'] as const) setData(map, id, by[id]);
  const labels: Feature[] = [];
  for (const f of by.countries.features) {
    const p = f.geometry && labelPoint(f.geometry);
    if (p) labels.push(withCountryNames({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: f.properties }));
  }
  setData(map, 'country-labels', labels);
  localizeLabels(map);
  return { countries: by.countries, borders: by.borders, crossings: by.crossings, offices: by.offices, teams: by.teams, places: by.places };
}

/** whenLoaded resolves once the map's style has loaded. */
export function whenLoaded(map: MLMap): Promise<void> {
  return new Promise((resolve) => (map.loaded() ? resolve() : map.once('load', () => resolve())));
}

/** addGeoJSON adds an empty GeoJSON source (options such as clustering allowed) unless present. */
export function addSource(map: MLMap, id: string, opts: Partial<maplibregl.GeoJSONSourceSpecification> = {}): void {
  if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: EMPTY, ...opts });
}

/** setVisible shows or hides layers. */
export function setVisible(map: MLMap, ids: string[], on: boolean): void {
  for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
}

/** Confidence bin fill colours of Gi* (ArcGIS's hot spot palette) and their
 * outlines, which meet 3:1 against the basemap (palette.json). */
export const GI_COLORS: Record<string, string> = Object.fromEntries(Object.entries(PALETTE.gi).map(([k, v]) => [k, v.fill]));
export const GI_LINES: Record<string, string> = Object.fromEntries(Object.entries(PALETTE.gi).map(([k, v]) => [k, v.line]));

/** Emerging hot spot category colours (hot patterns red, cold blue) and outlines. */
export const EMERGING_COLORS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(PALETTE.emerging).map(([k, v]) => [k, v.fill])), no_pattern: '#eeeeee',
};
export const EMERGING_LINES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(PALETTE.emerging).map(([k, v]) => [k, v.line])), no_pattern: '#767676',
};

/** Colours of events, their groups and DBSCAN clusters. */
export const EVENT_COLORS = PALETTE.events;
export const CLUSTER_LINE = PALETTE.clusters.line;

/** normalizeCategory turns "Intensifying Hot Spot" or "intensifying-hot-spot" into intensifying_hot_spot. */
export function normalizeCategory(c: unknown): string {
  return String(c ?? 'no_pattern').trim().toLowerCase().replace(/[\s-]+/g, '_').replace(/_detected$/, '');
}

/** Sequential palette (low to high) for densities and risk. */
export const SEQ: string[] = PALETTE.seq.fills;
/** SEQ_LINE outlines cells coloured by SEQ. */
export const SEQ_LINE = PALETTE.seq.line;

/** Team route colours. */
export const TEAM_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** quantileStops returns n+1 break values of the positive values. */
export function quantileBreaks(values: number[], n: number): number[] {
  const v = values.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  if (v.length === 0) return [];
  const out: number[] = [];
  for (let i = 1; i <= n; i++) out.push(v[Math.min(v.length - 1, Math.floor((i * (v.length - 1)) / n))]);
  return [...new Set(out)];
}

/** stepColor builds a step expression colouring prop by breaks with palette. */
export function stepColor(prop: string, breaks: number[], palette: string[], zero = 'rgba(0,0,0,0)'): maplibregl.ExpressionSpecification {
  if (breaks.length === 0) return ['literal', zero] as unknown as maplibregl.ExpressionSpecification;
  const expr: unknown[] = ['step', ['to-number', ['get', prop], 0], zero];
  const k = palette.length / Math.max(breaks.length, 1);
  let prev = -Infinity;
  breaks.forEach((b, i) => {
    const lo = i === 0 ? 1e-12 : breaks[i - 1];
    if (lo <= prev) return;
    prev = lo;
    expr.push(lo, palette[Math.min(palette.length - 1, Math.floor(i * k))]);
  });
  return expr as maplibregl.ExpressionSpecification;
}

/** popup shows an HTML element at a point. */
export function popup(map: MLMap, lngLat: maplibregl.LngLatLike, content: HTMLElement): maplibregl.Popup {
  return new maplibregl.Popup({ closeButton: true, maxWidth: '320px', className: 'bw-popup' }).setLngLat(lngLat).setDOMContent(content).addTo(map);
}

/** pointerOn shows a pointer cursor over the given layers. */
export function pointerOn(map: MLMap, layers: string[]): void {
  for (const l of layers) {
    map.on('mouseenter', l, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', l, () => (map.getCanvas().style.cursor = ''));
  }
}

/** viewBBox is the visible area as [w, s, e, n], clamped to valid longitudes and latitudes. */
export function viewBBox(map: MLMap): number[] {
  const b = map.getBounds();
  return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())];
}

/** bboxOf is the extent [w, s, e, n] of features, or null when they have no coordinates. */
export function bboxOf(features: Feature[]): [number, number, number, number] | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      w = Math.min(w, c[0] as number); e = Math.max(e, c[0] as number); s = Math.min(s, c[1] as number); n = Math.max(n, c[1] as number);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of features) if (f.geometry && 'coordinates' in f.geometry) visit(f.geometry.coordinates);
  return w <= e && s <= n ? [w, s, e, n] : null;
}

/** fitTo zooms to the extent of features (the legend sits beside the map, so no room is kept for it). */
export function fitTo(map: MLMap, features: Feature[], maxZoom = 9): void {
  const b = bboxOf(features);
  const pad = { top: 50, bottom: 50, right: 60, left: 60 };
  if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: pad, maxZoom, duration: 600 });
}

/** legendTitle is a helper for legends: a heading element text. */
export function legendTitle(key: string): string {
  return t(key);
}
