import type { ExpressionSpecification, LayerSpecification, Map as MLMap } from 'maplibre-gl';
import * as api from './api';
import { h } from './dom';
import { t } from './i18n';

/** Colours of the road classes (OpenStreetMap highway values without _link). */
export const ROAD_COLORS: Record<string, string> = {
  motorway: '#c2410c',
  trunk: '#dc6a1c',
  primary: '#d9962b',
  secondary: '#a08a3a',
  tertiary: '#8c8578',
  minor: '#a8a196',
};

/** Colours of roads that are not mapped: inferred connectors and synthetic demo tracks. */
export const ROAD_KIND_COLORS = { inferred: '#7c3aed', synthetic: '#db2777' };

const CLASS: ExpressionSpecification = [
  'match', ['get', 'highway'],
  ['motorway', 'motorway_link'], 'motorway',
  ['trunk', 'trunk_link'], 'trunk',
  ['primary', 'primary_link'], 'primary',
  ['secondary', 'secondary_link'], 'secondary',
  ['tertiary', 'tertiary_link'], 'tertiary',
  'minor',
];

function width(major: number, minor: number): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], 6, ['case', ['in', CLASS, ['literal', ['motorway', 'trunk']]], major * 0.6, minor * 0.5], 12, ['case', ['in', CLASS, ['literal', ['motorway', 'trunk', 'primary']]], major * 2, minor * 2]];
}

/** roadLayers are the road layers: mapped roads by class, inferred
 * connectors dashed, synthetic tracks dotted in their own colour. */
export function roadLayers(): LayerSpecification[] {
  const layer = 'roads';
  return [
    {
      id: 'roads-mapped', type: 'line', source: 'roads', 'source-layer': layer, minzoom: 6,
      filter: ['==', ['get', 'kind'], 'mapped'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', CLASS, 'motorway', ROAD_COLORS.motorway, 'trunk', ROAD_COLORS.trunk, 'primary', ROAD_COLORS.primary, 'secondary', ROAD_COLORS.secondary, 'tertiary', ROAD_COLORS.tertiary, ROAD_COLORS.minor],
        'line-width': width(2.2, 1),
        'line-opacity': 0.85,
      },
    },
    {
      id: 'roads-inferred', type: 'line', source: 'roads', 'source-layer': layer, minzoom: 6,
      filter: ['==', ['get', 'kind'], 'inferred'],
      paint: { 'line-color': ROAD_KIND_COLORS.inferred, 'line-width': 2, 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'roads-synthetic', type: 'line', source: 'roads', 'source-layer': layer, minzoom: 6,
      filter: ['==', ['get', 'kind'], 'synthetic'],
      layout: { 'line-cap': 'round' },
      paint: { 'line-color': ROAD_KIND_COLORS.synthetic, 'line-width': 2, 'line-dasharray': [0.5, 2] },
    },
  ];
}

/** addRoads draws the road network from the roads collection's vector
 * tiles (GET /collections/roads/tiles/…; fewer classes at low zooms),
 * under the borders. The map's transformRequest (api.tileRequest) adds the
 * API token to tile requests to this origin. */
export function addRoads(map: MLMap): void {
  const origin = location.origin;
  map.addSource('roads', {
    type: 'vector',
    tiles: [origin + '/collections/roads/tiles/WebMercatorQuad/{z}/{y}/{x}'],
    minzoom: 6,
    maxzoom: 14,
    attribution: 'Roads © OpenStreetMap contributors (ODbL), 2021',
  });
  const before = map.getLayer('border-casing') ? 'border-casing' : undefined;
  for (const l of roadLayers()) map.addLayer(l, before);
}

/** roadsLegend is the legend of the road layers: mapped roads by class,
 * inferred connectors dashed and synthetic tracks dotted, as drawn. */
export function roadsLegend(): HTMLElement {
  const line = (color: string, style: string, width: number): HTMLElement =>
    h('span', { class: 'line-swatch', style: `border-top:${width}px ${style} ${color}` });
  const row = (sw: HTMLElement, key: string, kind: string): HTMLElement =>
    h('div', { class: 'legend-row', 'data-road': kind }, sw, h('span', {}, t(key)));
  return h('details', { class: 'legend roads-legend', 'data-testid': 'roads-legend' },
    h('summary', { class: 'legend-title' }, t('legend.roads')),
    Object.entries(ROAD_COLORS).map(([cls, color]) =>
      row(line(color, 'solid', cls === 'minor' || cls === 'tertiary' || cls === 'secondary' ? 2 : 4), `legend.road_${cls}`, cls)),
    row(line(ROAD_KIND_COLORS.inferred, 'dashed', 2), 'legend.road_inferred', 'inferred'),
    row(line(ROAD_KIND_COLORS.synthetic, 'dotted', 3), 'legend.road_synthetic', 'synthetic'),
    h('div', { class: 'muted small' }, t('legend.roads_note')));
}
