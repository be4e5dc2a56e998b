// Teams view: each visible team's last position with its age, its track
// for the shift and its plan beside it (planned stops visited within a
// radius the user chooses, skipped or pending), moving with the position
// events of the live stream; the team list with the time since each team
// was last heard from and a silent badge; the agency's alerts with their
// acknowledgement.
import type { Feature } from 'geojson';
import type { ExpressionSpecification } from 'maplibre-gl';
import * as api from './api';
import type { Alerts } from './alerts';
import { Ctx, View, errorText, notice, today } from './app';
import { h, replace } from './dom';
import type { Live, PositionEvent } from './live';
import { dateTime, num, t, tn } from './i18n';
import { FONT, FONT_BOLD, TEAM_COLORS, addSource, fitTo, pointerOn, popup, setData, setVisible } from './map';

const LAYERS = ['tm-track-casing', 'tm-track', 'tm-plan', 'tm-stop', 'tm-stop-label', 'tm-pos', 'tm-pos-label'];

/** Colours of a planned stop by its status. */
export const STOP_COLORS: Record<api.ShiftStop['status'], string> = { visited: '#2e7d32', skipped: '#c62828', pending: '#9e9e9e' };

/** SILENT_MIN is after how many minutes without a fix a team on shift is
 * marked silent before the server's alert (the rule's default) arrives. */
const SILENT_MIN = 30;

/** Last is a team's latest plausible fix. */
interface Last {
  lon: number;
  lat: number;
  fix: string;
}

/** ago words how long ago iso was, in the interface language. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return t('teams.just_now');
  if (s < 3600) return tn('teams.min_ago', Math.floor(s / 60));
  if (s < 86400) return tn('teams.h_ago', Math.floor(s / 3600));
  return tn('teams.d_ago', Math.floor(s / 86400));
}

/** teamsView builds the live teams view. */
export function teamsView(ctx: Ctx, live: Live, alerts: Alerts): View {
  const { map } = ctx;
  const names = new Map<number, string>();
  for (const f of ctx.base.teams.features) names.set(Number(f.id), String(f.properties?.name ?? f.id));
  const nameOf = (id: number): string => names.get(id) ?? t('teams.team_n', { n: id });
  // The teams listed: the agency's own, and any other whose positions it sees.
  const listed = new Set<number>(ctx.base.teams.features.filter((f) => f.properties?.agency === ctx.me.agency).map((f) => Number(f.id)));
  const last = new Map<number, Last>();
  const shifts = new Map<number, api.Shift>();
  const s = { date: today(), radiusM: 300 };
  let selected = 0;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let err: unknown = null;
  let ctl: AbortController | null = null;
  let ticker: number | undefined;

  addSource(map, 'tm-tracks');
  addSource(map, 'tm-stops');
  addSource(map, 'tm-pos');
  const color: ExpressionSpecification = ['coalesce', ['get', '_color'], '#1f77b4'];
  map.addLayer({ id: 'tm-track-casing', type: 'line', source: 'tm-tracks', filter: ['==', ['get', 'kind'], 'track'], layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': '#fff', 'line-width': 6 } });
  map.addLayer({ id: 'tm-track', type: 'line', source: 'tm-tracks', filter: ['==', ['get', 'kind'], 'track'], layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': color, 'line-width': 3.5 } });
  map.addLayer({ id: 'tm-plan', type: 'line', source: 'tm-tracks', filter: ['==', ['get', 'kind'], 'plan'], paint: { 'line-color': color, 'line-width': 2, 'line-dasharray': [2, 2], 'line-opacity': 0.8 } });
  map.addLayer({
    id: 'tm-stop', type: 'circle', source: 'tm-stops',
    paint: { 'circle-radius': 9, 'circle-color': ['match', ['get', 'status'], 'visited', STOP_COLORS.visited, 'skipped', STOP_COLORS.skipped, STOP_COLORS.pending], 'circle-stroke-color': color, 'circle-stroke-width': 3 },
  });
  map.addLayer({
    id: 'tm-stop-label', type: 'symbol', source: 'tm-stops',
    layout: { 'text-field': ['to-string', ['get', 'seq']], 'text-font': FONT_BOLD, 'text-size': 11, 'text-allow-overlap': true },
    paint: { 'text-color': '#fff' },
  });
  map.addLayer({ id: 'tm-pos', type: 'circle', source: 'tm-pos', paint: { 'circle-radius': 8, 'circle-color': color, 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } });
  map.addLayer({
    id: 'tm-pos-label', type: 'symbol', source: 'tm-pos',
    layout: { 'text-field': ['get', '_label'], 'text-font': FONT_BOLD, 'text-size': 12, 'text-offset': [0, 1.2], 'text-anchor': 'top', 'text-allow-overlap': true, 'text-max-width': 16 },
    paint: { 'text-color': '#1d2a36', 'text-halo-color': '#fff', 'text-halo-width': 1.8 },
  });
  setVisible(map, LAYERS, false);
  pointerOn(map, ['tm-pos', 'tm-stop']);

  const teams = (): number[] => [...listed].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const colorOf = (id: number): string => TEAM_COLORS[Math.max(0, teams().indexOf(id)) % TEAM_COLORS.length];
  const openAlert = (id: number, kind: string): api.Alert | undefined => alerts.recent().find((a) => a.team === id && a.kind === kind && !a.cleared_at);
  const onShift = (id: number, now = Date.now()): boolean => {
    const sh = shifts.get(id);
    return !!sh?.plan && new Date(sh.from).getTime() <= now && now < new Date(sh.to).getTime();
  };
  const silent = (id: number): boolean => {
    if (openAlert(id, 'silent')) return true;
    // As the server's rule: silent since the later of the last fix and the shift's start.
    const sh = shifts.get(id);
    if (!sh || !onShift(id)) return false;
    const since = Math.max(new Date(last.get(id)?.fix ?? 0).getTime(), new Date(sh.from).getTime());
    return Date.now() - since > SILENT_MIN * 60000;
  };

  /** draw puts the positions, tracks and plans on the map. */
  const draw = (): void => {
    if (!active) return;
    const now = Date.now();
    const pos: Feature[] = [];
    for (const [id, l] of last) {
      pos.push({ type: 'Feature', id, geometry: { type: 'Point', coordinates: [l.lon, l.lat] },
        properties: { team: id, fix_time: l.fix, _color: colorOf(id), _label: `${nameOf(id)} · ${ago(l.fix, now)}` } });
    }
    const lines: Feature[] = [];
    const stops: Feature[] = [];
    for (const [id, sh] of shifts) {
      const c = colorOf(id);
      if (sh.track.length > 1) lines.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: sh.track }, properties: { kind: 'track', team: id, _color: c } });
      if (sh.stops.length > 1) lines.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: sh.stops.map((x) => [x.lon, x.lat]) }, properties: { kind: 'plan', team: id, _color: c } });
      for (const x of sh.stops) stops.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [x.lon, x.lat] }, properties: { ...x, team: id, _color: c } });
    }
    setData(map, 'tm-pos', pos);
    setData(map, 'tm-tracks', lines);
    setData(map, 'tm-stops', stops);
  };

  const legend = (): void => {
    if (!active) return;
    replace(ctx.legend, h('div', { class: 'legend', 'data-testid': 'teams-legend' },
      h('div', { class: 'legend-title' }, t('teams.legend')),
      teams().map((id) => h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${colorOf(id)}` }), h('span', {}, nameOf(id)))),
      h('div', { class: 'legend-row' }, h('span', { class: 'line-swatch' }), h('span', {}, t('teams.legend_track'))),
      h('div', { class: 'legend-row' }, h('span', { class: 'line-swatch dashed' }), h('span', {}, t('teams.legend_plan'))),
      (['visited', 'skipped', 'pending'] as const).map((st) => h('div', { class: 'legend-row', 'data-status': st },
        h('span', { class: 'stop-dot', style: `background:${STOP_COLORS[st]}` }), h('span', {}, t(`teams.stop_${st}`)))),
      h('div', { class: 'legend-row small muted', 'data-testid': 'teams-radius' }, t('teams.legend_radius', { m: num(s.radiusM) }))));
  };

  const alertRow = (a: api.Alert): HTMLElement => h('li', { class: `alert-row${a.acked_at ? ' acked' : ''}`, 'data-alert': String(a.id), 'data-kind': a.kind, 'data-acked': String(!!a.acked_at), 'data-team': String(a.team) },
    h('div', {}, h('strong', {}, alerts.text(a))),
    h('div', { class: 'muted small' }, dateTime(a.raised_at),
      a.cleared_at ? ` · ${t('alert.cleared', { at: dateTime(a.cleared_at) })}` : ` · ${t('alert.open')}`,
      a.acked_at ? ` · ${t('alert.acked_by', { by: a.acked_by ?? '', at: dateTime(a.acked_at) })}` : ''),
    !a.acked_at && alerts.canAck ? h('button', { class: 'btn primary', 'data-testid': 'alert-ack', onclick: () => void alerts.ack(a.id) }, t('alert.ack')) : null);

  const teamRow = (id: number): HTMLElement => {
    const l = last.get(id);
    const sh = shifts.get(id);
    return h('li', { class: `team-row${id === selected ? ' active' : ''}`, 'data-testid': 'team-row', 'data-team': String(id),
      'data-fix-time': l?.fix ?? '', 'data-lon': l ? String(l.lon) : '', 'data-lat': l ? String(l.lat) : '', 'data-silent': String(silent(id)),
      'data-track': String(sh?.track.length ?? 0), 'data-stops': String(sh?.stops.length ?? 0) },
    h('button', { class: 'linkish', onclick: () => select(id) },
      h('span', { class: 'swatch', style: `background:${colorOf(id)}` }), ' ', h('strong', {}, nameOf(id))), ' ',
    silent(id) ? h('span', { class: 'badge overdue', 'data-testid': 'team-silent', title: t('teams.silent_title') }, t('teams.silent')) : null,
    openAlert(id, 'border_near') ? h('span', { class: 'badge overdue', 'data-testid': 'team-border' }, t('teams.near_border')) : null,
    h('div', { class: 'small' }, l ? [t('teams.last_seen'), ' ', h('span', { 'data-testid': 'team-age', 'data-age-of': l.fix }, ago(l.fix))] : h('span', { class: 'muted' }, t('teams.no_position'))),
    sh ? h('div', { class: 'muted small', 'data-testid': 'team-shift' },
      t('teams.shift_km', { km: num(sh.distance_km, 1) }), ' · ',
      sh.plan ? t('teams.shift_stops', { visited: sh.visited, skipped: sh.skipped, total: sh.stops.length }) : t('teams.no_plan')) : null);
  };

  // The live parts of the panel are redrawn on their own, so that a
  // position arriving does not replace the inputs someone is typing in.
  let bodyEl: HTMLElement | null = null;
  const update = (): void => {
    if (!bodyEl || !active) return;
    const recent = alerts.recent();
    legend();
    replace(bodyEl,
      h('div', { class: 'muted small', 'data-testid': 'teams-live-state', 'data-connected': String(live.connected()) }, live.connected() ? t('teams.live') : t('msg.offline')),
      err ? notice('error', errorText(err), 'teams-error') : null,
      h('h2', {}, t('teams.list')),
      listed.size ? h('ul', { class: 'team-list', 'data-testid': 'team-list' }, teams().map(teamRow)) : notice('info', t('teams.none'), 'teams-empty'),
      h('h2', {}, t('alert.title'), ' ', h('span', { class: 'badge', 'data-testid': 'alerts-unacked' }, String(alerts.unacked()))),
      !alerts.canAck ? h('p', { class: 'muted small', 'data-testid': 'alerts-readonly' }, t('alert.readonly')) : null,
      recent.length ? h('ul', { class: 'alert-list', 'data-testid': 'alert-list' }, recent.map(alertRow)) : notice('info', t('alert.none'), 'alerts-empty'));
  };

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl || !active) return;
    bodyEl = h('div', { 'data-testid': 'teams-body' });
    replace(panelEl,
      h('h1', {}, t('teams.title')),
      h('div', { class: 'grid2' },
        h('label', { for: 'tm-date' }, t('teams.date')),
        h('input', { id: 'tm-date', type: 'date', value: s.date, onchange: (e: Event) => { s.date = (e.target as HTMLInputElement).value || today(); void loadShifts(); } }),
        h('label', { for: 'tm-radius' }, t('teams.radius')),
        h('input', { id: 'tm-radius', type: 'number', min: 10, max: 10000, step: 50, value: s.radiusM, 'data-param': 'radius_m',
          onchange: (e: Event) => { const v = Number((e.target as HTMLInputElement).value); if (v >= 10 && v <= 10000) { s.radiusM = v; void loadShifts(); } } })),
      bodyEl);
    update();
  };

  const select = (id: number): void => {
    selected = id;
    const feats: Feature[] = [];
    const l = last.get(id);
    if (l) feats.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [l.lon, l.lat] }, properties: {} });
    const sh = shifts.get(id);
    if (sh?.track.length) feats.push({ type: 'Feature', geometry: { type: 'MultiPoint', coordinates: sh.track }, properties: {} });
    if (sh?.stops.length) feats.push({ type: 'Feature', geometry: { type: 'MultiPoint', coordinates: sh.stops.map((x) => [x.lon, x.lat]) }, properties: {} });
    if (feats.length) fitTo(map, feats, 11);
    update();
  };

  const loadShift = async (id: number, signal?: AbortSignal): Promise<void> => {
    shifts.set(id, await api.shift(id, s.date, s.radiusM, signal));
  };
  const loadShifts = async (): Promise<void> => {
    ctl?.abort();
    ctl = new AbortController();
    const signal = ctl.signal;
    try {
      const fc = await api.latestPositions(signal);
      for (const f of fc.features) {
        const id = Number(f.properties.team);
        listed.add(id);
        if (f.properties.team_name) names.set(id, f.properties.team_name);
        const cur = last.get(id);
        if (!cur || cur.fix < f.properties.fix_time) last.set(id, { lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], fix: f.properties.fix_time });
      }
      shifts.clear();
      await Promise.all([...listed].map((id) => loadShift(id, signal)));
      err = null;
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') return;
      err = e;
    }
    draw();
    legend();
    update();
  };

  // A team's stop statuses are the server's (CompareShift): after new
  // fixes, its shift is read again once they stop coming for a moment.
  const reload = new Map<number, number>();
  const reloadShift = (id: number): void => {
    window.clearTimeout(reload.get(id));
    reload.set(id, window.setTimeout(() => {
      reload.delete(id);
      void loadShift(id).then(() => { draw(); update(); }, () => undefined);
    }, 1500));
  };

  live.onPosition((e: PositionEvent) => {
    if (e.flags?.includes('implausible_jump')) return;
    listed.add(e.team);
    const cur = last.get(e.team);
    if (!cur || new Date(cur.fix).getTime() < new Date(e.fix_time).getTime()) last.set(e.team, { lon: e.lon, lat: e.lat, fix: e.fix_time });
    const sh = shifts.get(e.team);
    const at = new Date(e.fix_time).getTime();
    if (sh && new Date(sh.from).getTime() <= at && at < new Date(sh.to).getTime()) {
      // In time order, as the server gives the track; fixes may arrive late.
      let i = sh.times.length;
      while (i > 0 && new Date(sh.times[i - 1]).getTime() > at) i--;
      sh.times.splice(i, 0, e.fix_time);
      sh.track.splice(i, 0, [e.lon, e.lat]);
      sh.positions++;
    }
    if (active) reloadShift(e.team);
    draw();
    update();
  });
  alerts.onChange(() => { update(); });
  live.onCounts(() => {
    const el = panelEl?.querySelector<HTMLElement>('[data-testid=teams-live-state]');
    if (el && el.dataset.connected !== String(live.connected())) update();
  });

  map.on('click', 'tm-pos', (e) => {
    const id = Number(e.features?.[0]?.properties?.team);
    const l = last.get(id);
    if (!l) return;
    popup(map, [l.lon, l.lat], h('div', {}, h('strong', {}, nameOf(id)), h('div', { class: 'small' }, t('teams.fix_at', { at: dateTime(l.fix) })), h('div', { class: 'small' }, ago(l.fix))));
  });
  map.on('click', 'tm-stop', (e) => {
    const p = e.features?.[0]?.properties ?? {};
    popup(map, e.lngLat, h('div', {}, h('strong', {}, `${p.seq}. ${p.name ?? ''}`), h('div', { class: 'small' }, t(`teams.stop_${String(p.status)}`)),
      h('div', { class: 'small' }, t('teams.eta', { at: dateTime(String(p.eta)) })),
      p.nearest_m !== undefined && p.nearest_m !== null ? h('div', { class: 'small' }, t('teams.nearest', { m: num(Number(p.nearest_m)) })) : null));
  });

  /** tick brings the ages up to date, on the map and in the list. */
  const tick = (): void => {
    draw();
    for (const el of panelEl?.querySelectorAll<HTMLElement>('[data-age-of]') ?? []) el.textContent = ago(el.dataset.ageOf ?? '');
  };

  return {
    id: 'teams',
    titleKey: 'teams.tab',
    render,
    activate: () => {
      active = true;
      setVisible(map, LAYERS, true);
      draw();
      legend();
      render();
      void loadShifts();
      ticker = window.setInterval(tick, 15000);
    },
    deactivate: () => {
      active = false;
      ctl?.abort();
      window.clearInterval(ticker);
      setVisible(map, LAYERS, false);
    },
    open: (arg: string) => {
      const id = Number(arg);
      if (Number.isInteger(id) && id > 0) select(id);
    },
  };
}
