// Data entry: click the map to record a seizure or an incident, or click an
// event to edit it. The API's validation errors (problem+json
// invalid_params) are shown next to the fields they name.
import * as maplibregl from 'maplibre-gl';
import type { MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import * as api from './api';
import { CATEGORIES, Ctx, DRUGS, KINDS, PRECISIONS, QUALIFIERS, SHARING, UNITS, View, errorText, isAbort, notice } from './app';
import { debounce, h, option, replace } from './dom';
import { dateTime, label, t } from './i18n';
import { addSource, pointerOn, setData, setVisible, viewBBox } from './map';

const LAYERS = ['en-ev-points'];
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** toLocalInput turns an ISO date-time into the value of a datetime-local input. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** fieldKey maps an invalid_params name to the form field it belongs to. */
export function fieldKey(name: string): string {
  let n = name.replace(/^properties\./, '').replace(/^body\./, '');
  if (n.startsWith('geometry')) n = 'geometry';
  n = n.replace(/^items\.(\d+)/, 'items[$1]');
  return n;
}

interface Draft {
  id: string | null;
  etag: string;
  lon: string;
  lat: string;
  props: api.EventProps;
}

function blank(ctx: Ctx, lon: number, lat: number): Draft {
  return {
    id: null, etag: '', lon: lon.toFixed(5), lat: lat.toFixed(5),
    props: {
      kind: 'seizure', occurred_at: new Date().toISOString(), time_precision: 'exact', agency: ctx.me.agency,
      sharing: 'agency', place: '', items: [{ drug: 'heroin', quantity: null, unit: 'kg', qualifier: 'exact' }],
      accuracy_m: null, source_ref: '', notes: '',
    },
  };
}

/** entryView builds the data entry view. */
export function entryView(ctx: Ctx): View {
  const { map } = ctx;
  let draft: Draft | null = null;
  let errors: api.InvalidParam[] = [];
  let failure: unknown = null;
  let saving = false;
  let active = false;
  let panelEl: HTMLElement | null = null;
  let marker: maplibregl.Marker | null = null;
  let ctrl: AbortController | null = null;

  addSource(map, 'entry-events');
  map.addLayer({
    id: 'en-ev-points', type: 'circle', source: 'entry-events',
    paint: { 'circle-radius': 5, 'circle-color': ['match', ['get', 'kind'], 'seizure', '#7b1fa2', '#ef6c00'], 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.2 },
  });
  setVisible(map, LAYERS, false);
  pointerOn(map, LAYERS);

  const loadEvents = debounce(async () => {
    if (!active) return;
    ctrl?.abort();
    ctrl = new AbortController();
    try {
      setData(map, 'entry-events', await api.events({}, viewBBox(map), 1000, ctrl.signal));
    } catch (e) {
      if (!isAbort(e)) ctx.toast(errorText(e), 'error');
    }
  }, 300);
  map.on('moveend', () => { if (active) loadEvents(); });

  const placeMarker = (): void => {
    if (!draft || !active) { marker?.remove(); marker = null; return; }
    const ll: [number, number] = [Number(draft.lon), Number(draft.lat)];
    if (!Number.isFinite(ll[0]) || !Number.isFinite(ll[1]) || Math.abs(ll[0]) > 180 || Math.abs(ll[1]) > 90) return;
    if (!marker) {
      marker = new maplibregl.Marker({ draggable: true, color: '#0b57d0' }).setLngLat(ll).addTo(map);
      marker.on('dragend', () => {
        const p = marker!.getLngLat();
        if (draft) { draft.lon = p.lng.toFixed(5); draft.lat = p.lat.toFixed(5); if (panelEl) render(panelEl); }
      });
    } else marker.setLngLat(ll);
  };

  const edit = async (id: string): Promise<void> => {
    try {
      const saved = await api.getEvent(id);
      const [lon, lat] = saved.feature.geometry.coordinates;
      draft = { id: str(saved.feature.id), etag: saved.etag, lon: lon.toFixed(5), lat: lat.toFixed(5), props: saved.feature.properties };
      errors = []; failure = null;
      placeMarker();
      if (panelEl) render(panelEl);
    } catch (e) {
      ctx.toast(errorText(e), 'error');
    }
  };

  map.on('click', (e: MapMouseEvent) => {
    if (!active) return;
    const hit = map.queryRenderedFeatures(e.point, { layers: LAYERS }) as MapGeoJSONFeature[];
    if (hit.length) {
      const id = str(hit[0].id ?? hit[0].properties?.id);
      if (id) { location.hash = `entry/${id}`; return; }
    }
    if (draft && draft.id === null) {
      draft.lon = e.lngLat.lng.toFixed(5);
      draft.lat = e.lngLat.lat.toFixed(5);
    } else {
      if (location.hash !== '#entry') history.replaceState(null, '', '#entry');
      draft = blank(ctx, e.lngLat.lng, e.lngLat.lat);
      errors = []; failure = null;
    }
    placeMarker();
    if (panelEl) render(panelEl);
  });

  const feature = (d: Draft): api.EventFeature => {
    const p = { ...d.props };
    if (p.kind === 'seizure') { delete p.category; delete p.severity; } else p.items = [];
    const lon = Number(d.lon), lat = Number(d.lat);
    return {
      type: 'Feature', ...(d.id ? { id: d.id } : {}),
      geometry: { type: 'Point', coordinates: [d.lon === '' ? NaN : lon, d.lat === '' ? NaN : lat].map((x) => (Number.isFinite(x) ? x : 999)) },
      properties: p,
    } as api.EventFeature;
  };

  const save = async (): Promise<void> => {
    if (!draft) return;
    saving = true; errors = []; failure = null;
    if (panelEl) render(panelEl);
    try {
      const saved = draft.id ? await api.replaceEvent(draft.id, feature(draft), draft.etag) : await api.createEvent(feature(draft));
      const [lon, lat] = saved.feature.geometry.coordinates;
      draft = { id: str(saved.feature.id), etag: saved.etag, lon: lon.toFixed(5), lat: lat.toFixed(5), props: saved.feature.properties };
      history.replaceState(null, '', `#entry/${draft.id}`);
      ctx.toast(t('entry.saved'), 'ok');
      loadEvents();
    } catch (e) {
      failure = e;
      errors = e instanceof api.ApiError ? e.params : [];
    }
    saving = false;
    if (panelEl) render(panelEl);
  };

  const remove = async (): Promise<void> => {
    if (!draft?.id || !confirm(t('entry.confirm_delete'))) return;
    try {
      await api.deleteEvent(draft.id, draft.etag);
      ctx.toast(t('entry.deleted'), 'ok');
      draft = null; errors = []; failure = null;
      history.replaceState(null, '', '#entry');
      placeMarker();
      loadEvents();
    } catch (e) {
      failure = e;
      errors = e instanceof api.ApiError ? e.params : [];
    }
    if (panelEl) render(panelEl);
  };

  const render = (panel: HTMLElement): void => {
    panelEl = panel;
    if (!draft) {
      replace(panel, h('h1', {}, t('entry.title')), h('p', { class: 'muted' }, t('entry.intro')),
        failure ? notice('error', errorText(failure)) : null,
        h('div', { class: 'hint', 'data-testid': 'entry-hint' }, t('entry.click_map')));
      return;
    }
    const d = draft;
    const p = d.props;
    const byField = new Map<string, string[]>();
    for (const e of errors) {
      const k = fieldKey(e.name);
      byField.set(k, [...(byField.get(k) ?? []), e.reason]);
    }
    const used = new Set<string>();
    const errFor = (key: string): HTMLElement | null => {
      const list = byField.get(key);
      if (!list) return null;
      used.add(key);
      return h('div', { class: 'field-error', 'data-field-error': key, role: 'alert' }, list.join('; '));
    };
    const invalid = (key: string): string | null => (byField.has(key) ? 'true' : null);
    const rerender = (): void => render(panel);
    const field = (key: string, labelKey: string, input: HTMLElement): HTMLElement =>
      h('div', { class: 'field', 'data-field': key }, h('label', { for: `e-${key}` }, t(labelKey)), input, errFor(key));
    const text = (key: keyof api.EventProps, type = 'text'): HTMLInputElement =>
      h('input', { type, id: `e-${key}`, value: str(p[key]), 'aria-invalid': invalid(key), oninput: (e: Event) => { (p as unknown as Record<string, unknown>)[key] = (e.target as HTMLInputElement).value; } });
    const numIn = (key: keyof api.EventProps, step = 'any'): HTMLInputElement =>
      h('input', { type: 'number', id: `e-${key}`, step, value: str(p[key]), 'aria-invalid': invalid(key), oninput: (e: Event) => { const v = (e.target as HTMLInputElement).value; (p as unknown as Record<string, unknown>)[key] = v === '' ? null : Number(v); } });
    const sel = (key: keyof api.EventProps, codes: string[], prefix: string, after?: () => void): HTMLSelectElement =>
      h('select', { id: `e-${key}`, 'aria-invalid': invalid(key), onchange: (e: Event) => { (p as unknown as Record<string, unknown>)[key] = (e.target as HTMLSelectElement).value; after?.(); } },
        codes.map((c) => option(c, label(prefix, c), c === p[key])));

    // A quantity the server found implausible (or one already confirmed)
    // gets a box to confirm it: the item is then stored and shown as an
    // exceptional, confirmed quantity.
    const confirmBox = (it: api.Item, i: number): HTMLElement | null => {
      const q = Number(it.quantity);
      if (!it.confirmed_implausible && !(byField.has(`items[${i}].quantity`) && q > 0 && Number.isFinite(q))) return null;
      const id = `e-items[${i}].confirmed_implausible`;
      return h('div', { class: 'confirm-implausible', 'data-field': `items[${i}].confirmed_implausible` },
        h('input', { type: 'checkbox', id, checked: Boolean(it.confirmed_implausible), onchange: (e: Event) => { it.confirmed_implausible = (e.target as HTMLInputElement).checked; } }),
        h('label', { for: id }, t(d.id && it.confirmed_implausible ? 'entry.confirmed_implausible' : 'entry.confirm_implausible')));
    };
    const itemRows = p.kind === 'seizure' ? h('div', { class: 'items', 'data-field': 'items' },
      h('div', { class: 'items-head' }, t('entry.items')), errFor('items'),
      p.items.map((it, i) => {
        const key = (f: string) => `items[${i}].${f}`;
        const itemSel = (f: 'drug' | 'unit' | 'qualifier', codes: string[], prefix: string) =>
          h('select', { id: `e-${key(f)}`, 'aria-label': t(`item.${f}`), 'aria-invalid': invalid(key(f)), onchange: (e: Event) => { it[f] = (e.target as HTMLSelectElement).value; } },
            codes.map((c) => option(c, label(prefix, c), c === it[f])));
        return h('div', { class: 'item-row', 'data-item': i },
          h('div', { class: 'item-fields' },
            h('div', { 'data-field': key('drug') }, itemSel('drug', DRUGS, 'drug'), errFor(key('drug'))),
            h('div', { 'data-field': key('quantity') }, h('input', {
              type: 'number', step: 'any', min: '0', id: `e-${key('quantity')}`, 'aria-label': t('item.quantity'), placeholder: t('item.quantity'),
              value: str(it.quantity), 'aria-invalid': invalid(key('quantity')),
              oninput: (e: Event) => { const v = (e.target as HTMLInputElement).value; it.quantity = v === '' ? null : Number(v); },
            }), errFor(key('quantity')), confirmBox(it, i)),
            h('div', { 'data-field': key('unit') }, itemSel('unit', UNITS, 'unit'), errFor(key('unit'))),
            h('div', { 'data-field': key('qualifier') }, itemSel('qualifier', QUALIFIERS, 'qualifier'), errFor(key('qualifier')))),
          h('button', { class: 'btn icon', type: 'button', title: t('entry.remove_item'), 'aria-label': t('entry.remove_item'), onclick: () => { p.items.splice(i, 1); rerender(); } }, '×'));
      }),
      h('button', { class: 'btn small', type: 'button', id: 'e-add-item', onclick: () => { p.items.push({ drug: 'opium', quantity: null, unit: 'kg', qualifier: 'exact' }); rerender(); } }, t('entry.add_item')))
      : null;

    const incidentFields = p.kind === 'incident' ? [
      field('category', 'event.category', sel('category', CATEGORIES, 'category')),
      field('severity', 'event.severity', numIn('severity', '1')),
    ] : [];
    if (p.kind === 'incident' && !p.category) p.category = CATEGORIES[0];

    const form = h('form', { class: 'entry-form', id: 'entry-form', novalidate: true, onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
      field('kind', 'event.kind', sel('kind', KINDS, 'kind', rerender)),
      h('div', { class: 'field', 'data-field': 'geometry' },
        h('label', { for: 'e-lon' }, t('entry.position')),
        h('div', { class: 'row' },
          h('input', { type: 'text', id: 'e-lon', inputmode: 'decimal', value: d.lon, 'aria-label': t('entry.lon'), 'aria-invalid': invalid('geometry'), onchange: (e: Event) => { d.lon = (e.target as HTMLInputElement).value; placeMarker(); } }),
          h('input', { type: 'text', id: 'e-lat', inputmode: 'decimal', value: d.lat, 'aria-label': t('entry.lat'), 'aria-invalid': invalid('geometry'), onchange: (e: Event) => { d.lat = (e.target as HTMLInputElement).value; placeMarker(); } })),
        errFor('geometry')),
      field('occurred_at', 'event.occurred_at', h('input', {
        type: 'datetime-local', id: 'e-occurred_at', value: toLocalInput(p.occurred_at), max: toLocalInput(new Date().toISOString()), 'aria-invalid': invalid('occurred_at'),
        onchange: (e: Event) => { const v = (e.target as HTMLInputElement).value; const dt = new Date(v); p.occurred_at = v && !Number.isNaN(dt.getTime()) ? dt.toISOString() : v; },
      })),
      field('time_precision', 'event.time_precision', sel('time_precision', PRECISIONS, 'precision')),
      field('agency', 'event.agency', h('div', {}, text('agency'), h('datalist', { id: 'agency-list' }, ctx.agencies.map((a) => option(a, a))))),
      field('sharing', 'event.sharing', sel('sharing', SHARING, 'sharing')),
      field('place', 'event.place', text('place')),
      field('accuracy_m', 'event.accuracy_m', numIn('accuracy_m')),
      itemRows,
      incidentFields,
      field('persons_detained', 'event.persons_detained', numIn('persons_detained', '1')),
      field('source_ref', 'event.source_ref', text('source_ref')),
      field('source_url', 'event.source_url', text('source_url', 'url')),
      field('notes', 'event.notes', h('textarea', { id: 'e-notes', rows: 3, 'aria-invalid': invalid('notes'), oninput: (e: Event) => { p.notes = (e.target as HTMLTextAreaElement).value; } }, str(p.notes))),
      h('div', { class: 'row end' },
        d.id ? h('button', { class: 'btn danger', type: 'button', id: 'e-delete', onclick: () => void remove() }, t('entry.delete')) : null,
        h('button', { class: 'btn', type: 'button', id: 'e-cancel', onclick: () => { draft = null; errors = []; failure = null; placeMarker(); history.replaceState(null, '', '#entry'); rerender(); } }, t('common.cancel')),
        h('button', { class: 'btn primary', type: 'submit', id: 'e-save', disabled: saving }, saving ? t('entry.saving') : t('common.save'))));
    (form.querySelector('#e-agency') as HTMLInputElement).setAttribute('list', 'agency-list');
    // used is filled while the fields render: what is left has no field.
    const unplaced = errors.filter((e) => !used.has(fieldKey(e.name)));

    replace(panel,
      h('h1', {}, d.id ? t('entry.edit_title') : t('entry.new_title')),
      d.id ? h('p', { class: 'muted small' }, t('entry.version', { v: str(p.version), at: dateTime(str((p as unknown as Record<string, unknown>).updated_at)) })) : h('p', { class: 'muted small' }, t('entry.drag_hint')),
      failure ? notice('error', failure instanceof api.ApiError && failure.status === 412 ? t('entry.stale') : errorText(failure), 'entry-error') : null,
      unplaced.length ? h('ul', { class: 'field-error', 'data-testid': 'general-errors' }, unplaced.map((e) => h('li', {}, `${e.name}: ${e.reason}`))) : null,
      form);
    panel.querySelector('[aria-invalid="true"]')?.scrollIntoView({ block: 'center' });
  };

  return {
    id: 'entry',
    titleKey: 'tab.entry',
    render,
    activate() {
      active = true;
      setVisible(map, LAYERS, true);
      map.getCanvas().style.cursor = 'crosshair';
      placeMarker();
      loadEvents();
    },
    deactivate() {
      active = false;
      setVisible(map, LAYERS, false);
      map.getCanvas().style.cursor = '';
      marker?.remove();
      marker = null;
    },
    open(arg: string) {
      if (arg && arg !== draft?.id) void edit(arg);
    },
  };
}
