// Alert rules view: the agency's rules (a team enters or leaves a zone,
// nears or crosses the border, stays immobile away from its base, goes
// silent, runs low on battery) with their zones on the map. Admins add,
// change and delete them; a zone is drawn on the map (zonedraw.ts) or typed
// as corners, or is a sector's outline or a hot-spot area (a DBSCAN cluster
// hull of the events). Everyone else of the agency reads them (the API
// allows writes to admins only).
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import * as api from './api';
import { Ctx, View, errorText, fillSlots, notice, problemText, slot } from './app';
import { h, option, replace } from './dom';
import { dateTime, label, num, t } from './i18n';
import { BELOW_LABELS, FONT_BOLD, addSource, fitTo, setData, setVisible } from './map';
import { Ring, closeRing, zoneDraw } from './zonedraw';

const LAYERS = ['ar-zone-fill', 'ar-zone-line', 'ar-zone-label', 'ar-pick-line'];

/** Draft is the rule being edited, as the form holds it. */
interface Draft {
  id: number;
  name: string;
  kind: api.RuleKind;
  team: string;
  enabled: boolean;
  source: api.ZoneSource;
  sector: string;
  /** ring is the drawn zone's outer ring. */
  ring: Ring | null;
  /** stored is a stored zone the drawing tool cannot edit (several polygons, holes) or a hot-spot area. */
  stored: Polygon | MultiPolygon | null;
  /** area is the index of the chosen hot-spot area, '' for the stored one. */
  area: string;
  distance_m: string;
  minutes: string;
  battery_pct: string;
  base_m: string;
}

/** Which numeric parameters each kind has (record.AlertRule.Validate). */
const PARAMS: Record<api.RuleKind, ('distance_m' | 'minutes' | 'base_m' | 'battery_pct')[]> = {
  zone_enter: [], zone_leave: [], border_near: ['distance_m'], border_cross: ['distance_m'],
  immobile: ['minutes', 'distance_m', 'base_m'], silent: ['minutes'], battery_low: ['battery_pct'],
};

const isZone = (k: api.RuleKind): boolean => k === 'zone_enter' || k === 'zone_leave';
const str = (v: number | null): string => (v === null || v === undefined ? '' : String(v));

/** parseCorners reads "lon lat" (or "lon, lat") pairs, one a line; null when a line is not a pair in range. */
export function parseCorners(text: string): Position[] | null {
  const out: Position[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const p = line.split(/[\s,;]+/).map(Number);
    if (p.length !== 2 || p.some((v) => !Number.isFinite(v)) || Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) return null;
    out.push(p);
  }
  return out;
}

const cornersText = (r: Ring | null): string => (r ? r.slice(0, -1).map((c) => `${c[0]} ${c[1]}`).join('\n') : '');

/** draftOf is the form's state for a stored rule, or a new one. */
function draftOf(r: api.AlertRule | null): Draft {
  const z = r?.zone ?? null;
  const single = z && z.coordinates.length === 1 && z.coordinates[0].length === 1 ? closeRing(z.coordinates[0][0]) : null;
  const drawn = r?.zone_source === 'drawn';
  return {
    id: r?.id ?? 0, name: r?.name ?? '', kind: r?.kind ?? 'zone_enter', team: r?.team ? String(r.team) : '', enabled: r?.enabled ?? true,
    source: r?.zone_source ?? 'drawn', sector: r?.sector ?? '', ring: drawn ? single : null,
    stored: z && (r?.zone_source === 'hotspot' || (drawn && !single)) ? z : null, area: '',
    distance_m: str(r?.distance_m ?? null), minutes: str(r?.minutes ?? null), battery_pct: str(r?.battery_pct ?? null), base_m: str(r?.base_m ?? null),
  };
}

/** body is the request for d: only the fields its kind takes. */
function body(d: Draft, areas: Feature[]): api.AlertRuleInput {
  const b: api.AlertRuleInput = { name: d.name.trim(), kind: d.kind, enabled: d.enabled };
  if (d.team) b.team = Number(d.team);
  if (isZone(d.kind)) {
    b.zone_source = d.source;
    if (d.source === 'sector') b.sector = d.sector || undefined;
    if (d.source === 'drawn') b.zone = d.ring ? { type: 'Polygon', coordinates: [d.ring] } : d.stored ?? undefined;
    if (d.source === 'hotspot') b.zone = d.area !== '' ? (areas[Number(d.area)]?.geometry as Polygon | undefined) : d.stored ?? undefined;
  }
  for (const p of PARAMS[d.kind]) if (d[p].trim() !== '') b[p] = Number(d[p]);
  return b;
}

/** rulesView builds the alert rules view. */
export function rulesView(ctx: Ctx): View {
  const { map } = ctx;
  const admin = ctx.me.role === 'admin';
  const teams = ctx.base.teams.features.filter((f) => f.properties?.agency === ctx.me.agency)
    .map((f) => ({ id: Number(f.id), name: String(f.properties?.name ?? f.id) })).sort((a, b) => a.name.localeCompare(b.name));
  const teamName = (id: number | null): string => (id ? teams.find((x) => x.id === id)?.name ?? t('teams.team_n', { n: id }) : t('rules.every_team'));
  let rules: api.AlertRule[] = [];
  let err: unknown = null;
  let formErr: unknown = null;
  let draft: Draft | null = null;
  let deleting = 0;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let sectors: Feature[] = [];
  let areas: Feature[] = [];
  let areasErr: unknown = null;
  const zd = zoneDraw(map);

  addSource(map, 'ar-zones');
  addSource(map, 'ar-pick');
  map.addLayer({ id: 'ar-zone-fill', type: 'fill', source: 'ar-zones', paint: { 'fill-color': ['case', ['get', 'enabled'], '#e8710a', '#9e9e9e'], 'fill-opacity': 0.15 } }, BELOW_LABELS);
  map.addLayer({ id: 'ar-zone-line', type: 'line', source: 'ar-zones', paint: { 'line-color': ['case', ['get', 'enabled'], '#b45309', '#757575'], 'line-width': 2, 'line-dasharray': [3, 1] } });
  map.addLayer({ id: 'ar-zone-label', type: 'symbol', source: 'ar-zones', layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': 12 }, paint: { 'text-color': '#7c2d12', 'text-halo-color': '#fff', 'text-halo-width': 1.6 } });
  map.addLayer({ id: 'ar-pick-line', type: 'line', source: 'ar-pick', paint: { 'line-color': '#0b57d0', 'line-width': 3 } });
  setVisible(map, LAYERS, false);

  /** drawZones shows the stored zones, but not the one being edited. */
  const drawZones = (): void => {
    setData(map, 'ar-zones', rules.filter((r) => r.zone && r.id !== draft?.id)
      .map((r) => ({ type: 'Feature', id: r.id, geometry: r.zone!, properties: { name: r.name, enabled: r.enabled } }) as Feature));
    const d = draft;
    let pick: Feature[] = [];
    if (d && isZone(d.kind) && d.source === 'sector') pick = sectors.filter((f) => String(f.id) === d.sector);
    if (d && isZone(d.kind) && d.source === 'hotspot') {
      const g = d.area !== '' ? areas[Number(d.area)]?.geometry : d.stored;
      if (g) pick = [{ type: 'Feature', geometry: g, properties: {} }];
    }
    if (d && isZone(d.kind) && d.source === 'drawn' && d.stored && !d.ring) pick = [{ type: 'Feature', geometry: d.stored, properties: {} }];
    setData(map, 'ar-pick', pick);
  };

  const summary = (r: api.AlertRule): string => {
    const zone = r.zone_source === 'sector' ? t('rules.zone_sector', { sector: r.sector ?? '' }) : r.zone_source ? label('rules.source', r.zone_source) : '';
    switch (r.kind) {
      case 'zone_enter': case 'zone_leave': return zone;
      case 'border_near': return t('rules.sum_border_near', { m: num(r.distance_m) });
      case 'border_cross': return t('rules.sum_border_cross', { m: num(r.distance_m ?? 50) });
      case 'immobile': return t('rules.sum_immobile', { min: num(r.minutes), m: num(r.distance_m ?? 100), base: num(r.base_m ?? 1000) });
      case 'silent': return t('rules.sum_silent', { min: num(r.minutes) });
      case 'battery_low': return t('rules.sum_battery', { pct: num(r.battery_pct) });
    }
    return '';
  };

  const load = async (): Promise<void> => {
    try { rules = await api.alertRules(); err = null; } catch (e) { err = e; }
    drawZones();
    render();
  };

  const run = async (fn: () => Promise<unknown>, done: string): Promise<boolean> => {
    try { await fn(); err = null; ctx.toast(done, 'ok'); return true; } catch (e) { err = e; render(); return false; }
  };

  const edit = (r: api.AlertRule | null): void => {
    draft = draftOf(r);
    formErr = null;
    if (r?.zone) fitTo(map, [{ type: 'Feature', geometry: r.zone, properties: {} }], 12);
    void loadChoices();
    startDrawing();
    drawZones();
    render();
    panelEl?.querySelector<HTMLInputElement>('#ar-name')?.focus();
  };

  const close = (): void => {
    draft = null;
    formErr = null;
    zd.stop();
    drawZones();
    render();
  };

  /** startDrawing lets the map draw while the draft's zone is drawn, and stops it otherwise. */
  const startDrawing = (): void => {
    const d = draft;
    if (!active || !d || !isZone(d.kind) || d.source !== 'drawn') { zd.stop(); return; }
    zd.start(d.ring, (ring) => {
      d.ring = ring;
      d.stored = null;
      const ta = panelEl?.querySelector<HTMLTextAreaElement>('#ar-corners');
      if (ta) ta.value = cornersText(ring);
      const n = panelEl?.querySelector<HTMLElement>('[data-testid=rule-zone-state]');
      if (n) n.textContent = zoneState(d);
      drawZones();
    });
  };

  const loadChoices = async (): Promise<void> => {
    try {
      if (!sectors.length) sectors = (await api.collection('sectors')).features.filter((f) => f.properties?.agency === ctx.me.agency);
      if (!areas.length) {
        const fc = await api.clusters({ eps_m: 5000, min_points: 10 }, { from: ctx.eventRange.from, to: ctx.eventRange.to });
        areas = fc.features.filter((f) => f.geometry?.type === 'Polygon');
      }
      areasErr = null;
    } catch (e) { areasErr = e; }
    drawZones();
    render();
  };

  const zoneState = (d: Draft): string => (d.ring ? t('rules.zone_corners', { n: d.ring.length - 1 }) : d.stored ? t('rules.zone_stored') : t('rules.zone_none'));

  const save = async (): Promise<void> => {
    const d = draft;
    if (!d) return;
    try {
      await api.saveAlertRule(d.id, body(d, areas));
      ctx.toast(t(d.id ? 'rules.updated' : 'rules.created', { name: d.name.trim() }), 'ok');
      draft = null;
      formErr = null;
      zd.stop();
    } catch (e) { formErr = e; }
    await load();
  };

  const row = (r: api.AlertRule): HTMLElement => h('tr', { 'data-rule': String(r.id), 'data-kind': r.kind, 'data-enabled': String(r.enabled) },
    h('td', {}, r.zone ? h('button', { class: 'linkish', title: t('rules.show_zone'), onclick: () => fitTo(map, [{ type: 'Feature', geometry: r.zone!, properties: {} }], 12) }, r.name) : r.name),
    h('td', {}, label('rules.kind', r.kind)), h('td', {}, teamName(r.team)), h('td', { class: 'small' }, summary(r)),
    h('td', {}, r.enabled ? t('rules.on') : h('span', { class: 'muted' }, t('rules.off'))),
    h('td', { class: 'small muted' }, dateTime(r.updated_at)),
    admin ? h('td', { class: 'row' }, deleting === r.id ? [
      h('span', { class: 'small' }, t('rules.delete_confirm', { name: r.name })),
      h('button', { class: 'btn danger', 'data-action': 'confirm-delete', onclick: async () => {
        deleting = 0;
        if (await run(() => api.deleteAlertRule(r.id), t('rules.deleted', { name: r.name }))) { if (draft?.id === r.id) close(); await load(); }
      } }, t('rules.delete')),
      h('button', { class: 'btn', onclick: () => { deleting = 0; render(); } }, t('common.cancel'))] : [
      h('button', { class: 'btn', 'data-action': 'edit', 'aria-label': t('rules.edit_named', { name: r.name }), onclick: () => edit(r) }, t('rules.edit')),
      h('button', { class: 'btn danger', 'data-action': 'delete', 'aria-label': t('rules.delete_named', { name: r.name }), onclick: () => { deleting = r.id; render(); } }, t('rules.delete'))]) : null);

  /** input is a labelled field bound to d[key], with the place for the API's errors about param. */
  const input = (d: Draft, key: 'name' | 'distance_m' | 'minutes' | 'battery_pct' | 'base_m', labelText: string, attrs: Record<string, string | number> = {}, help = ''): HTMLElement[] => {
    const id = `ar-${key.replace('_', '-')}`;
    const el = h('input', { id, type: key === 'name' ? 'text' : 'number', value: d[key], 'data-param': key, 'aria-describedby': help ? `${id}-help` : null, ...attrs,
      oninput: (e: Event) => { d[key] = (e.target as HTMLInputElement).value; } });
    return [h('label', { for: id }, labelText), h('div', {}, el, help ? h('div', { class: 'muted small', id: `${id}-help` }, help) : null, slot(key))];
  };

  const paramFields = (d: Draft): HTMLElement[] => PARAMS[d.kind].flatMap((p) => {
    if (p === 'minutes') return input(d, p, t('rules.minutes'), { min: 1, max: 1440, step: 1 }, d.kind === 'silent' ? t('rules.help_silent') : t('rules.help_immobile_min'));
    if (p === 'battery_pct') return input(d, p, t('rules.battery_pct'), { min: 1, max: 99, step: 1 });
    if (p === 'base_m') return input(d, p, t('rules.base_m'), { min: 1, step: 100, placeholder: '1000' }, t('rules.help_base'));
    const help = d.kind === 'border_near' ? t('rules.help_near') : d.kind === 'border_cross' ? t('rules.help_cross') : t('rules.help_radius');
    return input(d, p, d.kind === 'border_near' ? t('rules.distance_m') : d.kind === 'border_cross' ? t('rules.tolerance_m') : t('rules.radius_m'),
      { min: 0.1, step: 'any', placeholder: d.kind === 'border_cross' ? '50' : d.kind === 'immobile' ? '100' : '' }, help);
  });

  const zoneFields = (d: Draft): HTMLElement[] => {
    if (!isZone(d.kind)) return [];
    const out: HTMLElement[] = [
      h('label', { for: 'ar-source' }, t('rules.zone_source')),
      h('div', {}, h('select', { id: 'ar-source', 'data-param': 'zone_source', onchange: (e: Event) => { d.source = (e.target as HTMLSelectElement).value as api.ZoneSource; startDrawing(); drawZones(); render(); } },
        api.ZONE_SOURCES.map((s) => option(s, label('rules.source', s), s === d.source))), slot('zone_source'))];
    if (d.source === 'sector') {
      out.push(h('label', { for: 'ar-sector' }, t('rules.sector')), h('div', {},
        h('select', { id: 'ar-sector', 'data-param': 'sector', onchange: (e: Event) => { d.sector = (e.target as HTMLSelectElement).value; drawZones(); } },
          option('', t('rules.choose'), !d.sector), sectors.map((f) => option(String(f.id), `${f.properties?.name ?? f.id}`, String(f.id) === d.sector))),
        slot('sector')));
    } else if (d.source === 'hotspot') {
      out.push(h('label', { for: 'ar-area' }, t('rules.area')), h('div', {},
        h('select', { id: 'ar-area', 'data-param': 'zone', onchange: (e: Event) => { d.area = (e.target as HTMLSelectElement).value; drawZones(); } },
          d.stored ? option('', t('rules.area_stored'), d.area === '') : option('', t('rules.choose'), d.area === ''),
          areas.map((f, i) => option(String(i), t('rules.area_n', { n: i + 1, events: num(Number(f.properties?.count ?? 0)) }), String(i) === d.area))),
        h('div', { class: 'muted small' }, t('rules.help_area')),
        areasErr ? notice('error', errorText(areasErr)) : null, slot('zone')));
    } else {
      const ta = h('textarea', { id: 'ar-corners', rows: 5, 'data-param': 'zone', 'aria-describedby': 'ar-corners-help', spellcheck: 'false' }, cornersText(d.ring));
      const bad = h('div', { class: 'field-error', role: 'alert', 'data-testid': 'corners-error' });
      ta.addEventListener('change', () => {
        const c = parseCorners(ta.value);
        bad.textContent = c === null ? t('rules.corners_bad') : '';
        if (c === null) return;
        d.ring = closeRing(c);
        if (d.ring) d.stored = null;
        try { zd.set(d.ring); } catch (x) { bad.textContent = errorText(x); }
        const n = panelEl?.querySelector<HTMLElement>('[data-testid=rule-zone-state]');
        if (n) n.textContent = zoneState(d);
        drawZones();
      });
      out.push(h('span', {}, t('rules.zone')), h('div', {},
        h('p', { class: 'small', id: 'ar-draw-help' }, t('rules.draw_help')),
        h('div', { class: 'small', 'data-testid': 'rule-zone-state', role: 'status' }, zoneState(d)),
        h('div', { class: 'row' },
          h('button', { class: 'btn', type: 'button', id: 'ar-clear', onclick: () => { d.ring = null; d.stored = null; zd.set(null); ta.value = ''; render(); } }, t('rules.clear_zone')),
          d.id ? h('button', { class: 'btn', type: 'button', id: 'ar-revert', onclick: () => { const r = rules.find((x) => x.id === d.id); if (r) { const o = draftOf(r); d.ring = o.ring; d.stored = o.stored; zd.set(d.ring); render(); drawZones(); } } }, t('rules.revert_zone')) : null),
        h('label', { for: 'ar-corners' }, t('rules.corners')), ta,
        h('div', { class: 'muted small', id: 'ar-corners-help' }, t('rules.corners_help')), bad, slot('zone')));
    }
    return out;
  };

  const form = (d: Draft): HTMLElement => {
    const f = h('form', { class: 'grid2', novalidate: true, 'data-testid': 'rule-form', 'data-rule': String(d.id), onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
      ...input(d, 'name', t('rules.name'), { maxlength: 200, autocomplete: 'off' }),
      h('label', { for: 'ar-kind' }, t('rules.kind_label')),
      h('div', {}, h('select', { id: 'ar-kind', 'data-param': 'kind', onchange: (e: Event) => { d.kind = (e.target as HTMLSelectElement).value as api.RuleKind; startDrawing(); drawZones(); render(); } },
        api.RULE_KINDS.map((k) => option(k, label('rules.kind', k), k === d.kind))), h('div', { class: 'muted small' }, t(`rules.about.${d.kind}`)), slot('kind')),
      h('label', { for: 'ar-team' }, t('rules.team')),
      h('div', {}, h('select', { id: 'ar-team', 'data-param': 'team', onchange: (e: Event) => { d.team = (e.target as HTMLSelectElement).value; } },
        option('', t('rules.every_team'), !d.team), teams.map((x) => option(String(x.id), x.name, String(x.id) === d.team))), slot('team')),
      ...zoneFields(d), ...paramFields(d),
      h('span', {}), h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'ar-enabled', checked: d.enabled, 'data-param': 'enabled', onchange: (e: Event) => { d.enabled = (e.target as HTMLInputElement).checked; } }), t('rules.enabled')),
      h('span', {}), h('p', { class: 'muted small' }, t('rules.episodes')),
      h('span', {}), h('div', { class: 'row' },
        h('button', { class: 'btn primary', type: 'submit', id: 'ar-save' }, t(d.id ? 'rules.save' : 'rules.create')),
        h('button', { class: 'btn', type: 'button', id: 'ar-cancel', onclick: close }, t('common.cancel'))));
    const unplaced = formErr ? fillSlots(f, formErr) : [];
    return h('section', { class: 'group' }, h('h2', {}, d.id ? t('rules.edit_title', { name: d.name }) : t('rules.new_title')), f,
      formErr ? notice('error', problemText(formErr, unplaced), 'rule-form-error') : null);
  };

  const legend = (): void => {
    replace(ctx.legend, h('div', { class: 'legend', 'data-testid': 'rules-legend' }, h('div', { class: 'legend-title' }, t('rules.legend')),
      h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: 'background:#e8710a' }), h('span', {}, t('rules.legend_zone')))));
  };

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl || !active) return;
    legend();
    replace(panelEl, h('h1', {}, t('rules.title')), h('p', { class: 'muted' }, t('rules.intro')),
      admin ? null : h('p', { class: 'notice notice-info', role: 'status', 'data-testid': 'rules-readonly' }, t('rules.readonly')),
      err ? notice('error', errorText(err), 'rules-error') : null,
      rules.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': 'rule-list' },
        h('thead', {}, h('tr', {}, ['rules.name', 'rules.kind_label', 'rules.team', 'rules.params', 'rules.state', 'rules.updated_at', ...(admin ? [''] : [])].map((k) => h('th', {}, k ? t(k) : '')))),
        h('tbody', {}, rules.map(row)))) : notice('info', t('rules.none'), 'rules-empty'),
      admin && !draft ? h('div', { class: 'row' }, h('button', { class: 'btn primary', id: 'ar-new', onclick: () => edit(null) }, t('rules.new'))) : null,
      admin && draft ? form(draft) : null);
  };

  return {
    id: 'rules',
    titleKey: 'tab.rules',
    render: (panel) => render(panel),
    activate: () => {
      active = true;
      legend();
      setVisible(map, LAYERS, true);
      startDrawing();
      void load();
    },
    deactivate: () => {
      active = false;
      zd.stop();
      setVisible(map, LAYERS, false);
    },
  };
}
