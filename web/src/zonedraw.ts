// Drawing a zone on the shared map with terra-draw's polygon mode: click
// the corners, click the first corner again (or press Enter) to close it,
// Escape drops the polygon being drawn, and a closed polygon's corners are
// dragged to move them. One zone at a time: closing a new polygon replaces
// the previous one. The editor keeps the same ring in a text field as well,
// for the keyboard and for exact coordinates.
import type { Map as MLMap } from 'maplibre-gl';
import type { Position } from 'geojson';
import { TerraDraw, TerraDrawPolygonMode, ValidateNotSelfIntersecting } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** Ring is a closed outer ring, lon/lat. */
export type Ring = Position[];

/** ZoneDraw draws one zone on the map. */
export interface ZoneDraw {
  /** start lets the user draw on the map, from ring if given; onChange gets
   * each closed or moved polygon (null when it is removed). */
  start(ring: Ring | null, onChange: (ring: Ring | null) => void): void;
  /** set replaces the polygon on the map (ring typed in, or the stored one). */
  set(ring: Ring | null): void;
  /** stop ends drawing and removes the drawing from the map. */
  stop(): void;
  active(): boolean;
}

/** PRECISION is the decimals kept of a drawn coordinate (about 0.1 m). */
const PRECISION = 6;

/** round keeps PRECISION decimals. */
export function round(v: number): number {
  const f = 10 ** PRECISION;
  return Math.round(v * f) / f;
}

/** closeRing rounds a ring's corners and closes it; null for fewer than three corners. */
export function closeRing(corners: Position[]): Ring | null {
  const r = corners.map((c) => [round(c[0]), round(c[1])]);
  if (r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1]) r.pop();
  if (r.length < 3) return null;
  return [...r, [...r[0]]];
}

/** zoneDraw builds the drawing tool on map. */
export function zoneDraw(map: MLMap): ZoneDraw {
  let draw: TerraDraw | null = null;
  let listener: (ring: Ring | null) => void = () => undefined;

  const polygons = (d: TerraDraw) => d.getSnapshot().filter((f) => f.geometry.type === 'Polygon' && f.properties.mode === 'polygon' && !f.properties.currentlyDrawing);

  const load = (d: TerraDraw, ring: Ring | null): void => {
    const old = polygons(d).map((f) => f.id!);
    if (old.length) d.removeFeatures(old);
    if (!ring) return;
    const res = d.addFeatures([{ id: d.getFeatureId(), type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { mode: 'polygon' } }]);
    if (!res[0]?.valid) throw new Error(res[0]?.reason ?? 'invalid polygon');
  };

  const start = (ring: Ring | null, onChange: (ring: Ring | null) => void): void => {
    listener = onChange;
    if (!draw) {
      const d = new TerraDraw({
        adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 9 }),
        modes: [new TerraDrawPolygonMode({
          editable: true,
          validation: (f) => ValidateNotSelfIntersecting(f),
          styles: { fillColor: '#0b57d0', fillOpacity: 0.15, outlineColor: '#0b57d0', outlineWidth: 2, closingPointColor: '#ffffff', closingPointOutlineColor: '#0b57d0', closingPointWidth: 6 },
        })],
      });
      d.start();
      d.setMode('polygon');
      d.on('finish', (id, ctx) => {
        // A new polygon closed replaces the previous one; a corner moved changes it.
        if (ctx.action === 'draw') {
          const others = polygons(d).filter((f) => f.id !== id).map((f) => f.id!);
          if (others.length) d.removeFeatures(others);
        }
        const f = d.getSnapshotFeature(id);
        if (f?.geometry.type === 'Polygon') listener(closeRing((f.geometry.coordinates as Position[][])[0]));
      });
      draw = d;
    }
    load(draw, ring);
  };

  return {
    start,
    set: (ring) => { if (draw) load(draw, ring); },
    stop: () => {
      draw?.stop();
      draw = null;
      listener = () => undefined;
    },
    active: () => draw !== null,
  };
}
