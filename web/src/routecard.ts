// Printable route cards: one A4 page per team of a stored plan, with a
// map of the route (drawn as SVG, so that it prints sharply without the
// WebGL map), the numbered stops with their times and each position in
// decimal degrees, degrees-minutes-seconds and MGRS (written by the
// server, GET /api/plans/{id}/cards). The print stylesheet (routecard.css)
// prints the cards alone.
import type { Feature, Geometry, Position } from 'geojson';
import * as api from './api';
import type { Ctx } from './app';
import { errorText } from './app';
import { h, replace } from './dom';
import { currentLang, num, t } from './i18n';
import './routecard.css';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** clock formats an ISO time as HH:MM in the plan's time zone. */
function clock(iso: string | undefined, zone: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(currentLang(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || undefined }).format(d);
  } catch {
    return new Intl.DateTimeFormat(currentLang(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  }
}

/** day formats an ISO time as a date in the plan's time zone. */
function day(iso: string | undefined, zone: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  try {
    return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'long', timeZone: zone || undefined }).format(d);
  } catch {
    return d.toISOString().slice(0, 10);
  }
}

const W = 1000;
const H = 560;

/** lines lists the line strings of a geometry. */
function lines(g: Geometry | null): Position[][] {
  if (!g) return [];
  if (g.type === 'LineString') return [g.coordinates];
  if (g.type === 'MultiLineString') return g.coordinates;
  return [];
}

/** cardMap draws a team's route, stops and base over the borders and the
 * named places around it, north up, with a scale bar. */
function cardMap(ctx: Ctx, card: api.RouteCard): SVGElement {
  const pts: Position[] = [...card.route, ...card.stops.map((s) => [s.position.lon, s.position.lat])];
  if (card.base) pts.push([card.base.lon, card.base.lat]);
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of pts) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  if (!Number.isFinite(minX)) { minX = 60; maxX = 76; minY = 34; maxY = 42; }
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  // Pad by a tenth (at least 2 km) and fit the box to the map's shape.
  const padY = Math.max((maxY - minY) * 0.1, 0.02);
  const padX = Math.max((maxX - minX) * 0.1, 0.02 / k);
  minX -= padX; maxX += padX; minY -= padY; maxY += padY;
  let spanX = (maxX - minX) * k, spanY = maxY - minY;
  if (spanX / spanY > W / H) { const d = (spanX * H / W - spanY) / 2; minY -= d; maxY += d; spanY = maxY - minY; }
  else { const d = (spanY * W / H - spanX) / 2 / k; minX -= d; maxX += d; spanX = (maxX - minX) * k; }
  const s = W / spanX;
  const px = ([x, y]: Position): string => `${(((x - minX) * k) * s).toFixed(1)},${((maxY - y) * s).toFixed(1)}`;
  const inView = ([x, y]: Position): boolean => x >= minX && x <= maxX && y >= minY && y <= maxY;
  const path = (line: Position[]): string => 'M' + line.map(px).join('L');

  const g: SVGElement[] = [svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#f7f5ef' })];
  for (const f of ctx.base.borders.features as Feature[]) {
    for (const line of lines(f.geometry)) {
      if (line.some(inView)) g.push(svg('path', { d: path(line), fill: 'none', stroke: '#5b4a6e', 'stroke-width': 3, 'stroke-dasharray': '10 5', class: 'card-border' }));
    }
  }
  if (card.route.length > 1) g.push(svg('path', { d: path(card.route), fill: 'none', stroke: '#1d5fa8', 'stroke-width': 4, 'stroke-linejoin': 'round', class: 'card-route' }));
  const places = (ctx.base.places.features as Feature[])
    .filter((f) => f.geometry?.type === 'Point' && inView(f.geometry.coordinates) && f.properties?.name)
    .sort((a, b) => Number(a.properties?.rank ?? 99) - Number(b.properties?.rank ?? 99)).slice(0, 12);
  for (const f of places) {
    const [x, y] = px((f.geometry as GeoJSON.Point).coordinates).split(',').map(Number);
    const name = String(f.properties?.[`name_${currentLang()}`] ?? f.properties?.name);
    g.push(svg('circle', { cx: x, cy: y, r: 3, fill: '#3b4148' }), svg('text', { x: x + 6, y: y - 6, 'font-size': 16, fill: '#3b4148', class: 'card-place' }, name));
  }
  if (card.base) {
    const [x, y] = px([card.base.lon, card.base.lat]).split(',').map(Number);
    g.push(svg('rect', { x: x - 9, y: y - 9, width: 18, height: 18, fill: '#fff', stroke: '#111', 'stroke-width': 3 }));
  }
  for (const st of card.stops) {
    const [x, y] = px([st.position.lon, st.position.lat]).split(',').map(Number);
    g.push(svg('circle', { cx: x, cy: y, r: 13, fill: '#fff', stroke: '#1d5fa8', 'stroke-width': 3, class: 'card-stop' }),
      svg('text', { x, y: y + 6, 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 600, fill: '#111' }, String(st.seq)));
  }
  // Scale bar: a round number of kilometres about a fifth of the width.
  const kmPerPx = 111.32 / s;
  const target = kmPerPx * W / 5;
  const barKm = [1, 2, 5, 10, 20, 50, 100, 200].find((v) => v >= target * 0.6) ?? 200;
  const barPx = barKm / kmPerPx;
  g.push(svg('rect', { x: 20, y: H - 34, width: barPx, height: 8, fill: '#111' }),
    svg('text', { x: 20, y: H - 42, 'font-size': 16, fill: '#111' }, t('card.scale', { km: num(barKm) })),
    svg('text', { x: W - 30, y: 40, 'font-size': 24, 'font-weight': 600, 'text-anchor': 'middle', fill: '#111' }, t('card.north')),
    svg('path', { d: `M${W - 30},50 l-8,22 l8,-6 l8,6 z`, fill: '#111' }));
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('card.map_label', { team: card.name }), class: 'card-map' }, ...g);
}

/** card builds one team's page. */
function card(ctx: Ctx, cards: api.RouteCards, c: api.RouteCard, zone: string | undefined): HTMLElement {
  const row = (seq: string, when: string, stay: string, name: string, p: api.CardPosition | undefined): HTMLElement =>
    h('tr', {}, h('td', { class: 'num' }, seq), h('td', {}, when), h('td', { class: 'num' }, stay), h('td', {}, name),
      h('td', { class: 'mono' }, p?.dd ?? '–'), h('td', { class: 'mono' }, p?.dms ?? '–'), h('td', { class: 'mono' }, p?.mgrs || '–'));
  return h('article', { class: 'route-card', 'data-team': String(c.team) },
    h('header', {},
      h('h2', {}, t('card.title', { team: c.name })),
      h('p', {}, t('card.shift', { date: day(c.depart, zone), depart: clock(c.depart, zone), back: clock(c.return, zone), zone: zone ?? '' })),
      h('p', { class: 'muted' }, t('card.length', { km: num(c.length_km, 1), h: num(c.duration_h, 1), n: c.stops.length }),
        ' · ', t('card.plan', { id: cards.plan.slice(0, 8) }))),
    cardMap(ctx, c),
    h('table', { class: 'card-stops' },
      h('thead', {}, h('tr', {}, ...['seq', 'time', 'stay', 'place', 'dd', 'dms', 'mgrs'].map((k) => h('th', { scope: 'col' }, t(`card.col_${k}`))))),
      h('tbody', {},
        c.base ? row('', clock(c.depart, zone), '', t('card.base'), c.base) : null,
        c.stops.map((s) => row(String(s.seq), clock(s.eta, zone), s.dwell_min ? t('pat.minutes', { n: num(s.dwell_min) }) : '', s.name + wayNote(s), s.position)),
        c.base ? row('', clock(c.return, zone), '', t('card.base_return'), c.base) : null)),
    h('footer', { class: 'muted small' }, t('card.footer')));
}

/** openRouteCards shows the route cards of a stored plan over the page,
 * ready to print; zone is the plan's time zone (the teams' country). */
export async function openRouteCards(ctx: Ctx, planId: string, zone?: string): Promise<void> {
  document.querySelector('.route-cards')?.remove();
  const body = h('div', { class: 'route-cards-body' }, h('div', { class: 'loading' }, t('common.loading')));
  const close = (): void => { root.remove(); document.body.classList.remove('printing-cards'); opener?.focus(); };
  const opener = document.activeElement as HTMLElement | null;
  const closeBtn = h('button', { class: 'btn', id: 'card-close', onclick: close }, t('card.close'));
  const root = h('div', { class: 'route-cards', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'card-heading', 'data-testid': 'route-cards',
    onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Escape') close(); } },
  h('div', { class: 'route-cards-bar' },
    h('h1', { id: 'card-heading' }, t('card.heading')),
    h('button', { class: 'btn primary', id: 'card-print', onclick: () => window.print() }, t('card.print')),
    closeBtn),
  body);
  document.body.append(root);
  document.body.classList.add('printing-cards');
  closeBtn.focus();
  try {
    const cards = await api.routeCards(planId);
    replace(body, cards.teams.length ? cards.teams.map((c) => card(ctx, cards, c, zone)) : h('p', {}, t('card.none')));
    root.dataset.ready = 'true';
  } catch (e) {
    replace(body, h('div', { class: 'notice notice-error', role: 'alert' }, errorText(e)));
  }
}

/** wayNote is the warning after a stop's place when the way there runs
 * on synthetic tracks or inferred connectors (roads that are not mapped). */
function wayNote(s: { way_synthetic_km?: number; way_inferred_km?: number }): string {
  const parts: string[] = [];
  if (s.way_synthetic_km) parts.push(t('pat.leg_synthetic', { km: num(s.way_synthetic_km, 1) }));
  if (s.way_inferred_km) parts.push(t('pat.leg_inferred', { km: num(s.way_inferred_km, 1) }));
  return parts.length ? ' — ⚠ ' + t('pat.leg_way', { parts: parts.join(', ') }) : '';
}
