// Patrol view: choose teams, shift budget, intelligence window and allowed
// crossings; plan; see each team's route with numbered stops, ETAs and the
// reason for each stop; download the plan as GeoJSON, GPX or KML; reopen
// one of the agency's stored plans.
import type { MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import type { Feature } from 'geojson';
import * as api from './api';
import { Ctx, View, addDays, errorText, notice } from './app';
import { download, h, replace } from './dom';
import { date, dateTime, kg, label, num, pct, t, time, tn } from './i18n';
import { FONT, FONT_BOLD, TEAM_COLORS, addSource, fitTo, pointerOn, popup, setData, setVisible } from './map';
import { openRouteCards } from './routecard';

const LAYERS = ['pl-route-casing', 'pl-route', 'pl-base', 'pl-base-label', 'pl-stop', 'pl-stop-label'];
type Props = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** patrolsView builds the patrol planning view. */
export function patrolsView(ctx: Ctx): View {
  const { map } = ctx;
  // Teams and plans are visible to their own agency only; an administrator
  // of the service may see more, so the own agency's teams come first.
  const own = (f: Feature): boolean => str(f.properties?.agency) === ctx.me.agency;
  const teams = [...ctx.base.teams.features].sort((a, b) => Number(own(b)) - Number(own(a)) || str(a.properties?.name).localeCompare(str(b.properties?.name)));
  const s = {
    teams: new Set<string>((teams.some(own) ? teams.filter(own) : teams).slice(0, 6).map((f) => str(f.id))),
    budgetH: '' as string,
    from: addDays(ctx.eventRange.to, -89), to: ctx.eventRange.to,
    crossings: new Set<string>(), variety: '',
    // What the plan is made on: the hot spots of the window, or the
    // forecast of [asOf, until) by method.
    on: 'hotspots' as 'hotspots' | 'forecast', method: 'auto',
    // Whether the forecast is adjusted for patrol effort (effort=adjusted).
    effort: 'none' as 'none' | 'adjusted',
    asOf: addDays(new Date().toISOString().slice(0, 10), 1), until: addDays(new Date().toISOString().slice(0, 10), 8),
    // The shift the plan is for: by default the next day's, from 08:00
    // local time of the teams' country (the server reads it so).
    shiftDate: addDays(new Date().toISOString().slice(0, 10), 1), shiftStart: '08:00',
  };
  let plan: api.Plan | null = null;
  let err: unknown = null;
  let busy = false;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let bodyEl: HTMLElement;
  // The agency's stored plans, newest first (null until fetched).
  let saved: api.PlanSummary[] | null = null;
  let savedErr: unknown = null;
  let savedEl: HTMLElement | null = null;
  const fieldErrs = new Map<string, string>();

  addSource(map, 'plan');
  map.addLayer({ id: 'pl-route-casing', type: 'line', source: 'plan', filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': '#fff', 'line-width': 7 } });
  map.addLayer({ id: 'pl-route', type: 'line', source: 'plan', filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': ['coalesce', ['get', '_color'], '#1f77b4'], 'line-width': 4 } });
  map.addLayer({
    id: 'pl-base', type: 'circle', source: 'plan', filter: ['==', ['get', 'kind'], 'base'],
    paint: { 'circle-radius': 7, 'circle-color': '#fff', 'circle-stroke-color': ['coalesce', ['get', '_color'], '#1f77b4'], 'circle-stroke-width': 4 },
  });
  map.addLayer({
    id: 'pl-base-label', type: 'symbol', source: 'plan', filter: ['==', ['get', 'kind'], 'base'],
    layout: { 'text-field': ['get', '_label'], 'text-font': FONT, 'text-size': 12, 'text-offset': [0, 1.1], 'text-anchor': 'top', 'text-max-width': 14 },
    paint: { 'text-color': '#1d2a36', 'text-halo-color': '#fff', 'text-halo-width': 1.6 },
  });
  map.addLayer({ id: 'pl-stop', type: 'circle', source: 'plan', filter: ['==', ['get', 'kind'], 'stop'], paint: { 'circle-radius': 10, 'circle-color': ['coalesce', ['get', '_color'], '#1f77b4'], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({
    id: 'pl-stop-label', type: 'symbol', source: 'plan', filter: ['==', ['get', 'kind'], 'stop'],
    layout: { 'text-field': ['to-string', ['coalesce', ['get', 'seq'], '']], 'text-font': FONT_BOLD, 'text-size': 12, 'text-allow-overlap': true },
    paint: { 'text-color': '#fff' },
  });
  setVisible(map, LAYERS, false);
  pointerOn(map, ['pl-stop', 'pl-route']);

  const teamKey = (p: Props): string => str(p.team ?? p.team_id);
  const teamName = (key: string): string => {
    const inPlan = plan?.features.find((x) => teamKey(x.properties ?? {}) === key)?.properties?.team_name;
    if (inPlan) return str(inPlan);
    const f = teams.find((x) => str(x.id) === key);
    return f ? str(f.properties?.name) : key;
  };
  /** reasonOf words why a stop was chosen in the interface language, from
   * the plan's fields; a stored plan without them keeps its English sentence. */
  const reasonOf = (p: Props): string => {
    const n = (k: string): number => Number(p[k] ?? 0);
    const days = tn('pat.r_days', n('days'));
    if (p.target_kind === 'hotspot' && p.gi_bin !== undefined) {
      const parts: string[] = [];
      if (n('seizures') > 0) {
        parts.push(tn('pat.r_seizures', n('seizures')));
        if (n('kg') > 0) parts.push(kg(n('kg')));
      }
      if (n('incidents') > 0) parts.push(tn('pat.r_incidents', n('incidents')));
      return t('pat.r_hotspot', { conf: pct(n('confidence'), 0, true), what: parts.join(', '), days });
    }
    if (p.target_kind === 'forecast' && p.risk !== undefined) {
      return t('pat.r_forecast', { risk: num(n('risk'), 1), days: tn('pat.r_days', n('period_days')), method: label('fc_method', str(p.method)) });
    }
    if (p.target_kind === 'crossing' && p.method !== undefined && p.risk !== undefined) {
      const text = t('pat.r_crossing_fc', {
        name: str(p.name), a: str(p.country), b: str(p.other_country), risk: num(n('risk'), 1), km: num(n('near_km')),
        days: tn('pat.r_days', n('period_days')), method: label('fc_method', str(p.method)),
      });
      return n('inside_km') > 0 ? `${text}${t('pat.r_inside', { km: num(n('inside_km'), 1), country: str(p.country) })}` : text;
    }
    if (p.target_kind === 'crossing' && p.other_country !== undefined) {
      const text = t('pat.r_crossing', {
        name: str(p.name), a: str(p.country), b: str(p.other_country),
        events: tn('pat.r_events', n('events')), km: num(n('near_km')), days,
      });
      return n('inside_km') > 0 ? `${text}${t('pat.r_inside', { km: num(n('inside_km'), 1), country: str(p.country) })}` : text;
    }
    if (p.target_kind === 'point' && p.name) return t('pat.r_point', { name: str(p.name) });
    return str(p.reason ?? p.name ?? '');
  };

  const stopPopup = (p: Props): HTMLElement => h('div', { class: 'pop', 'data-testid': 'stop-popup' },
    h('div', { class: 'pop-title' }, `${teamName(teamKey(p))} · ${t('pat.stop')} ${str(p.seq)}`),
    h('table', { class: 'kv' },
      h('tr', {}, h('th', {}, t('pat.eta')), h('td', {}, time(str(p.eta)))),
      h('tr', {}, h('th', {}, t('pat.dwell')), h('td', {}, t('pat.minutes', { n: num(Number(p.dwell_min ?? 0)) }))),
      reasonOf(p) ? h('tr', {}, h('th', {}, t('pat.reason')), h('td', {}, reasonOf(p))) : null));
  map.on('click', 'pl-stop', (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
    const f = e.features?.[0];
    if (f) popup(map, (f.geometry as GeoJSON.Point).coordinates as [number, number], stopPopup(f.properties as Props));
  });

  /** colorOf gives each team of the plan its colour, in the plan's order. */
  const colorOf = (key: string): string => {
    const order = [...new Set((plan?.features ?? []).map((f) => teamKey(f.properties ?? {})))];
    return TEAM_COLORS[Math.max(0, order.indexOf(key)) % TEAM_COLORS.length];
  };
  const routeOf = (key: string): Feature | undefined =>
    plan?.features.find((f) => f.properties?.kind === 'route' && teamKey(f.properties ?? {}) === key);
  const stopsOf = (key: string): Feature[] => (plan?.features ?? [])
    .filter((f) => f.properties?.kind === 'stop' && teamKey(f.properties ?? {}) === key)
    .sort((a, b) => Number(a.properties?.seq) - Number(b.properties?.seq));

  const draw = (): void => {
    if (!plan) { setData(map, 'plan', []); drawLegend(); return; }
    const shown: Feature[] = [];
    for (const f of plan.features) {
      const p = (f.properties ?? {}) as Props;
      const k = teamKey(p);
      f.properties = { ...p, _color: colorOf(k) };
      // A team that reaches nothing stays at its base: no line to draw.
      if (p.kind === 'route' && Number(p.stops ?? 0) === 0) continue;
      shown.push(f);
      if (p.kind === 'route' && Array.isArray(p.base)) {
        shown.push({ type: 'Feature', geometry: { type: 'Point', coordinates: p.base as number[] },
          properties: { kind: 'base', team: p.team, team_name: p.team_name, _color: colorOf(k), _label: t('pat.base_of', { team: str(p.team_name) }) } });
      }
    }
    setData(map, 'plan', shown);
    if (shown.length) fitTo(map, shown, 11);
    drawLegend();
  };

  /** zoomTo shows one team's route, base and stops. */
  const zoomTo = (key: string): void => {
    const route = routeOf(key);
    fitTo(map, [...(route ? [route] : []), ...stopsOf(key)], 13);
  };

  const drawLegend = (): void => {
    if (!active) return;
    if (!plan) { replace(ctx.legend); return; }
    const keys = [...new Set(plan.features.map((f) => teamKey(f.properties ?? {})))];
    replace(ctx.legend, h('div', { class: 'legend', 'data-testid': 'plan-legend' }, h('div', { class: 'legend-title' }, t('pat.legend')),
      keys.map((k) => h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${colorOf(k)}` }), h('span', {}, teamName(k)),
        h('span', { class: 'legend-n' }, tn('pat.n_stops', stopsOf(k).length)))),
      h('div', { class: 'legend-row' }, h('span', { class: 'seq', style: 'background:#555' }, '1'), h('span', {}, t('pat.legend_stop'))),
      h('div', { class: 'legend-row' }, h('span', { class: 'base-dot' }), h('span', {}, t('pat.legend_base')))));
  };

  const submit = async (): Promise<void> => {
    fieldErrs.clear();
    const req: api.PlanRequest = {
      teams: [...s.teams].map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
      // The API reads a bare date as its midnight: send the end of the last day.
      from: s.from || undefined, to: s.to ? `${s.to}T23:59:59Z` : undefined,
    };
    if (s.budgetH !== '') req.budget_h = Number(s.budgetH);
    if (s.shiftDate) { req.shift_date = s.shiftDate; if (s.shiftStart) req.shift_start = s.shiftStart; }
    if (s.crossings.size) req.allow_crossings = [...s.crossings].map((x) => (/^\d+$/.test(x) ? Number(x) : x));
    if (s.variety !== '') req.variety = Number(s.variety);
    if (s.on === 'forecast') {
      req.targets = 'forecast';
      req.forecast = { method: s.method, as_of: s.asOf || undefined, until: s.until || undefined };
      if (s.effort === 'adjusted') req.forecast.effort = 'adjusted';
    }
    busy = true;
    err = null;
    renderBody();
    try {
      plan = await api.planPatrols(req);
      void loadSaved();
    } catch (e) {
      err = e;
      plan = null;
      if (e instanceof api.ApiError) for (const p of e.params) fieldErrs.set(p.name.replace(/^body\./, ''), p.reason);
    }
    busy = false;
    draw();
    if (panelEl) render(panelEl);
  };

  const renderSaved = (): void => {
    if (!savedEl) return;
    replace(savedEl,
      h('h2', {}, t('pat.saved')),
      savedErr ? notice('error', errorText(savedErr)) : null,
      saved === null && !savedErr ? h('div', { class: 'muted small' }, t('pat.saved_loading')) : null,
      saved?.length === 0 ? h('div', { class: 'muted small' }, t('pat.saved_none')) : null,
      saved?.length ? h('ul', { class: 'saved-plans' }, saved.map((sp) => h('li', {},
        h('button', {
          class: `btn small${plan?.id === sp.id ? ' primary' : ''}`, 'data-plan-id': sp.id,
          onclick: () => void openSaved(sp.id),
        }, dateTime(sp.created_at)),
        h('span', { class: 'muted small' }, ` ${tn('pat.saved_teams', sp.teams)} · ${t('pat.saved_score', { score: num(sp.score, 1) })} · ${sp.created_by_name || sp.created_by}`)))) : null);
  };

  /** loadSaved fetches the list of stored plans. */
  const loadSaved = async (): Promise<void> => {
    try {
      saved = await api.listPlans(10);
      savedErr = null;
    } catch (e) {
      savedErr = e;
    }
    renderSaved();
  };

  /** openSaved shows a stored plan as if it had just been made. */
  const openSaved = async (id: string): Promise<void> => {
    if (busy) return;
    fieldErrs.clear();
    busy = true;
    err = null;
    renderBody();
    try {
      plan = await api.getPlan(id);
    } catch (e) {
      err = e;
      plan = null;
    }
    busy = false;
    draw();
    renderBody();
    renderSaved();
  };

  const fetchFile = async (f: 'geojson' | 'gpx' | 'kml'): Promise<void> => {
    if (!plan) return;
    const types = { geojson: 'application/geo+json', gpx: 'application/gpx+xml', kml: 'application/vnd.google-earth.kml+xml' };
    try {
      download(`patrol-plan-${plan.id}.${f}`, await api.planFile(plan.id, f), types[f]);
    } catch (e) {
      ctx.toast(errorText(e), 'error');
    }
  };

  const itinerary = (): HTMLElement | null => {
    if (!plan) return null;
    const keys = [...new Set(plan.features.map((f) => teamKey(f.properties ?? {})))];
    const unreachable = Array.isArray(plan.unreachable) ? plan.unreachable.length : 0;
    return h('div', { 'data-testid': 'itinerary' },
      plan.shift_date ? h('p', { class: 'small', 'data-testid': 'plan-shift' }, t('pat.shift_summary', {
        date: str(plan.shift_date), start: str(plan.shift_start), zone: str(plan.time_zone), departure: dateTime(str(plan.departure)),
      })) : null,
      plan.planned_on?.targets === 'forecast' ? h('p', { class: 'small', 'data-testid': 'plan-on' }, t('pat.planned_on_fc', {
        method: label('fc_method', str(plan.planned_on.method)), as_of: date(str(plan.planned_on.as_of)),
        until: date(str(plan.planned_on.until)), total: num(Number(plan.planned_on.total ?? 0), 1),
      })) : null,
      plan.planned_on?.effort === 'adjusted' ? h('p', { class: 'small', 'data-testid': 'plan-on-effort' }, t('pat.planned_on_effort', {
        samples: num(Number(plan.planned_on.effort_samples ?? 0)), prior: num(Number(plan.planned_on.effort_prior_h ?? 0), 1),
      })) : null,
      h('p', { class: 'muted small' }, t('pat.plan_summary', {
        targets: num(Number(plan.targets ?? 0)), unreachable: num(unreachable), events: num(Number(plan.events ?? 0)),
        from: date(str(plan.from)), to: date(str(plan.to)),
      })),
      h('div', { class: 'row' },
        h('span', { class: 'small' }, t('pat.download')),
        h('button', { class: 'btn small', id: 'dl-geojson', onclick: () => void fetchFile('geojson') }, 'GeoJSON'),
        h('button', { class: 'btn small', id: 'dl-gpx', onclick: () => void fetchFile('gpx') }, 'GPX'),
        h('button', { class: 'btn small', id: 'dl-kml', onclick: () => void fetchFile('kml') }, 'KML'),
        h('button', { class: 'btn small', id: 'p-cards', onclick: () => void openRouteCards(ctx, String(plan!.id), str(plan!.time_zone) || undefined) }, t('card.open'))),
      keys.map((k) => {
        const lp = (routeOf(k)?.properties ?? {}) as Props;
        const own = stopsOf(k);
        const color = colorOf(k);
        return h('section', { class: 'team-plan', 'data-team': k },
          h('h3', {},
            h('span', { class: 'swatch', style: `background:${color}` }),
            own.length ? h('a', { href: '#', class: 'team-zoom', title: t('pat.zoom_team'), onclick: (e: Event) => { e.preventDefault(); zoomTo(k); } }, teamName(k)) : teamName(k)),
          own.length
            ? h('div', { class: 'muted small' }, t('pat.summary', {
              km: num(Number(lp.length_km ?? 0), 1), offroad: num(Number(lp.offroad_km ?? 0), 1), h: num(Number(lp.duration_h ?? 0), 1),
              budget: num(Number(lp.budget_h ?? 0), 1), back: time(str(lp.return)), score: num(Number(lp.score ?? 0), 1),
            }))
            : notice('warn', t('pat.no_stops', { h: num(Number(lp.budget_h ?? 0), 1) }), 'no-stops'),
          own.length ? h('ol', { class: 'stops' }, own.map((f: Feature) => {
            const p = (f.properties ?? {}) as Props;
            return h('li', {
              onclick: () => { const c = (f.geometry as GeoJSON.Point).coordinates as [number, number]; map.easeTo({ center: c, zoom: Math.max(map.getZoom(), 11) }); popup(map, c, stopPopup(p)); },
            },
              h('span', { class: 'seq', style: `background:${color}` }, str(p.seq)),
              h('span', { class: 'eta' }, time(str(p.eta))),
              h('span', { class: 'reason' }, reasonOf(p) || '—'),
              Number(p.dwell_min) ? h('span', { class: 'muted small' }, t('pat.minutes', { n: num(Number(p.dwell_min)) })) : null,
              unmappedNote(p, 'leg_'));
          })) : null,
          own.length ? unmappedNote(lp, 'return_', true) : null);
      }));
  };

  const fieldError = (name: string): HTMLElement | null =>
    fieldErrs.has(name) ? h('div', { class: 'field-error', 'data-field-error': name }, fieldErrs.get(name)!) : null;

  const renderBody = (): void => {
    if (!bodyEl) return;
    const other = err instanceof api.ApiError ? err.params.filter((p) => !['teams', 'budget_h', 'shift_date', 'shift_start', 'from', 'to', 'allow_crossings', 'variety', 'targets', 'forecast', 'forecast.method', 'forecast.as_of', 'forecast.until', 'forecast.cell_m', 'forecast.effort', 'forecast.effort_prior_h'].includes(p.name.replace(/^body\./, ''))) : [];
    replace(bodyEl,
      busy ? h('div', { class: 'busy' }, t('pat.planning')) : null,
      err ? notice('error', errorText(err), 'plan-error') : null,
      other.length ? h('ul', { class: 'field-error' }, other.map((p) => h('li', {}, `${p.name}: ${p.reason}`))) : null,
      itinerary());
  };

  const render = (panel: HTMLElement): void => {
    panelEl = panel;
    bodyEl = h('div', { id: 'plan-body' });
    savedEl = h('section', { class: 'group', id: 'p-saved', 'data-testid': 'saved-plans' });
    const teamList = teams.length
      ? h('div', { class: 'checklist', id: 'p-teams' }, teams.map((f) => {
        const id = str(f.id);
        const p = (f.properties ?? {}) as Props;
        return h('label', { class: 'check' },
          h('input', { type: 'checkbox', value: id, checked: s.teams.has(id), onchange: (e: Event) => { if ((e.target as HTMLInputElement).checked) s.teams.add(id); else s.teams.delete(id); } }),
          h('span', {}, str(p.name), h('span', { class: 'muted small' }, ` · ${str(p.agency)} · ${t('pat.shift', { h: num(Number(p.shift_h ?? 0), 1) })}`)));
      }))
      : notice('warn', t('pat.no_teams'), 'no-teams');
    const crossingList = h('div', { class: 'checklist short', id: 'p-crossings' }, ctx.base.crossings.features.map((f) => {
      const id = str(f.id);
      return h('label', { class: 'check' },
        h('input', { type: 'checkbox', value: id, checked: s.crossings.has(id), onchange: (e: Event) => { if ((e.target as HTMLInputElement).checked) s.crossings.add(id); else s.crossings.delete(id); } }),
        h('span', { class: 'small' }, str(f.properties?.name)));
    }));
    replace(panel,
      h('h1', {}, t('pat.title')),
      h('p', { class: 'muted' }, t('pat.intro')),
      ['planner', 'admin'].includes(ctx.me.role) ? null : notice('warn', t('pat.no_plan_role', { role: label('role', ctx.me.role) })),
      h('section', { class: 'group' },
        h('h2', {}, t('pat.teams')), teamList, fieldError('teams'),
        h('div', { class: 'grid2' },
          h('label', { for: 'p-budget' }, t('pat.budget_h')),
          h('div', {}, h('input', { type: 'number', id: 'p-budget', min: 0.5, step: 0.5, value: s.budgetH, placeholder: t('pat.budget_default'), onchange: (e: Event) => { s.budgetH = (e.target as HTMLInputElement).value; } }), fieldError('budget_h')),
          h('label', { for: 'p-shift-date' }, t('pat.shift_label')),
          h('div', {}, h('div', { class: 'row' },
            h('input', { type: 'date', id: 'p-shift-date', 'aria-label': t('pat.shift_date'), value: s.shiftDate, onchange: (e: Event) => { s.shiftDate = (e.target as HTMLInputElement).value; } }),
            h('input', { type: 'time', id: 'p-shift-start', 'aria-label': t('pat.shift_start'), value: s.shiftStart, onchange: (e: Event) => { s.shiftStart = (e.target as HTMLInputElement).value; } })),
          fieldError('shift_date'), fieldError('shift_start')),
          h('label', { for: 'p-from' }, t('pat.intel_window')),
          h('div', {}, h('div', { class: 'row' },
            h('input', { type: 'date', id: 'p-from', value: s.from, onchange: (e: Event) => { s.from = (e.target as HTMLInputElement).value; } }), '—',
            h('input', { type: 'date', id: 'p-to', 'aria-label': t('a11y.to'), value: s.to, onchange: (e: Event) => { s.to = (e.target as HTMLInputElement).value; } })), fieldError('from'), fieldError('to')),
          h('label', { for: 'p-on' }, t('pat.plan_on')),
          h('div', {}, h('select', { id: 'p-on', onchange: (e: Event) => { s.on = (e.target as HTMLSelectElement).value as 'hotspots' | 'forecast'; if (panelEl) render(panelEl); } },
            (['hotspots', 'forecast'] as const).map((v) => h('option', { value: v, selected: s.on === v }, t(`pat.on_${v}`)))), fieldError('targets')),
          s.on === 'forecast' ? [
            h('label', { for: 'p-fc-method' }, t('pat.fc_method')),
            h('div', {}, h('select', { id: 'p-fc-method', onchange: (e: Event) => { s.method = (e.target as HTMLSelectElement).value; } },
              ['auto', 'naive', 'average', 'kde', 'seppp'].map((v) => h('option', { value: v, selected: s.method === v }, label('fc_method', v)))), fieldError('forecast.method')),
            h('label', { for: 'p-fc-asof' }, t('pat.fc_period')),
            h('div', {}, h('div', { class: 'row' },
              h('input', { type: 'date', id: 'p-fc-asof', 'aria-label': t('pat.fc_as_of'), value: s.asOf, onchange: (e: Event) => { s.asOf = (e.target as HTMLInputElement).value; } }), '—',
              h('input', { type: 'date', id: 'p-fc-until', 'aria-label': t('pat.fc_until'), value: s.until, onchange: (e: Event) => { s.until = (e.target as HTMLInputElement).value; } })),
            fieldError('forecast.as_of'), fieldError('forecast.until'), fieldError('forecast.cell_m'), fieldError('forecast')),
            h('label', { for: 'p-fc-effort' }, t('pat.fc_effort')),
            h('div', {}, h('select', { id: 'p-fc-effort', onchange: (e: Event) => { s.effort = (e.target as HTMLSelectElement).value as 'none' | 'adjusted'; } },
              (['none', 'adjusted'] as const).map((v) => h('option', { value: v, selected: s.effort === v }, t(`pat.fc_effort_${v}`)))),
            h('p', { class: 'muted small' }, t('pat.fc_effort_note')), fieldError('forecast.effort'), fieldError('forecast.effort_prior_h')),
          ] : null,
          h('label', { for: 'p-variety' }, t('pat.variety')),
          h('div', {}, h('input', { type: 'number', id: 'p-variety', step: 1, value: s.variety, placeholder: '0', onchange: (e: Event) => { s.variety = (e.target as HTMLInputElement).value; } }), fieldError('variety'))),
        h('details', {}, h('summary', {}, t('pat.allow_crossings')), h('p', { class: 'muted small' }, t('pat.allow_crossings_note')), crossingList, fieldError('allow_crossings')),
        h('div', { class: 'row end' }, h('button', { class: 'btn primary', id: 'p-plan', onclick: () => void submit(), disabled: busy }, t('pat.plan')))),
      bodyEl, savedEl);
    renderBody();
    renderSaved();
    if (saved === null && !savedErr) void loadSaved();
  };

  return {
    id: 'patrols',
    titleKey: 'tab.patrols',
    render,
    activate() { active = true; setVisible(map, LAYERS, true); drawLegend(); },
    deactivate() { active = false; setVisible(map, LAYERS, false); },
  };
}

/** unmappedNote flags a leg of a plan (the way to a stop, prefix "leg_",
 * or back to the base, "return_") that runs on synthetic tracks or
 * inferred connectors, roads that are not mapped; null on mapped roads. */
function unmappedNote(p: Props, prefix: string, back = false): HTMLElement | null {
  if (p[prefix + 'unmapped'] !== true) return null;
  const parts: string[] = [];
  for (const kind of ['synthetic', 'inferred'] as const) {
    const km = Number(p[prefix + kind + '_km'] ?? 0);
    if (km > 0) parts.push(kind === 'synthetic' ? t('pat.leg_synthetic', { km: num(km, 1) }) : t('pat.leg_inferred', { km: num(km, 1) }));
  }
  return h('span', { class: 'leg-unmapped', 'data-testid': 'leg-unmapped', title: t('pat.leg_unmapped_title') },
    '⚠ ' + t(back ? 'pat.leg_back' : 'pat.leg_way', { parts: parts.join(', ') }));
}
