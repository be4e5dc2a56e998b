// The entity network: for an entity, its events and the entities linked to
// it two steps out, as far as the caller may see them, drawn as rings
// around it. Names are shown as written and, beside them, in the
// interface's script (name_latin / name_cyrillic from the server).
import * as api from './api';
import { Ctx, View, errorText, isAbort, notice } from './app';
import { h, option, replace } from './dom';
import { currentLang, date, kg, label, t } from './i18n';

/** EntityText is an entity's name as written, transliterated, and whether it is withheld. */
export interface EntityText {
  written: string;
  translit: string;
  withheld: boolean;
  detail: string;
}

/** entityText describes an entity for lists and the graph. */
export function entityText(e: api.Entity): EntityText {
  const withheld = !e.personal_data && e.kind === 'person';
  let written = '';
  let detail = '';
  if (e.person) {
    written = e.person.name ?? '';
    detail = [e.person.nationality, e.person.birth_year].filter(Boolean).join(', ');
  } else if (e.group) {
    written = e.group.name ?? '';
  } else if (e.vehicle) {
    written = e.vehicle.plate ?? '';
    detail = [e.vehicle.make, e.vehicle.model, e.vehicle.colour].filter(Boolean).join(' ');
  } else if (e.consignment) {
    written = e.consignment.description || e.consignment.container_no || '';
    detail = e.consignment.weight_kg != null ? kg(e.consignment.weight_kg) : '';
  }
  const tr = (currentLang() === 'ru' ? e.name_cyrillic : e.name_latin) ?? '';
  return { written: withheld ? t('ent.withheld') : written || label('ent.kind', e.kind), translit: !withheld && tr && tr !== written ? tr : '', withheld, detail };
}

/** entityName is an element with the name as written and its transliteration beside it. */
export function entityName(e: api.Entity): HTMLElement {
  const x = entityText(e);
  return h('span', { class: x.withheld ? 'ent-name withheld' : 'ent-name', 'data-testid': 'entity-name' },
    h('span', { class: 'ent-kind' }, label('ent.kind', e.kind)), ' ',
    h('span', { class: 'ent-written', dir: 'auto' }, x.written),
    x.translit ? h('span', { class: 'ent-translit muted', 'data-testid': 'entity-translit' }, ` (${x.translit})`) : null,
    x.withheld ? h('span', { class: 'muted small', title: (e.withheld ?? []).join(', ') }, ` — ${t('ent.withheld_note')}`) : null);
}

const SVG = 'http://www.w3.org/2000/svg';
function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...kids: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...kids);
  return el;
}

const COLORS: Record<string, string> = { person: '#c0392b', vehicle: '#2471a3', consignment: '#b9770e', group: '#7d3c98', event: '#566573' };

function nodeText(n: api.NetworkNode): { main: string; side: string } {
  if (n.entity) {
    const x = entityText(n.entity);
    return { main: x.written, side: x.translit };
  }
  const ev = n.event!;
  return { main: `${label('kind', ev.kind)} ${date(ev.occurred_at)}`, side: ev.total_kg != null ? kg(ev.total_kg) : '' };
}

/** graph draws the network: the root in the middle, each depth on a ring. */
function graph(net: api.Network): SVGSVGElement {
  const W = 720, H = 560, cx = W / 2, cy = H / 2;
  const rings = new Map<number, api.NetworkNode[]>();
  for (const n of net.nodes) rings.set(n.depth, [...(rings.get(n.depth) ?? []), n]);
  const pos = new Map<string, [number, number]>();
  for (const [d, ns] of rings) {
    const r = d * 120;
    ns.sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
    ns.forEach((n, i) => {
      const a = (2 * Math.PI * i) / ns.length + d * 0.4;
      pos.set(n.id, d === 0 ? [cx, cy] : [cx + r * Math.cos(a), cy + r * Math.sin(a) * 0.85]);
    });
  }
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'network-graph', role: 'img', 'aria-label': t('net.graph'), 'data-testid': 'network-graph' });
  for (const e of net.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    svg.append(s('line', { x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: `edge edge-${e.type}`, 'data-edge': e.id }),
      s('text', { x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2, class: 'edge-label' }, label('net.role', e.role)));
  }
  for (const n of net.nodes) {
    const p = pos.get(n.id)!;
    const kind = n.entity?.kind ?? 'event';
    const { main, side } = nodeText(n);
    const g = s('g', { class: `node node-${n.type}`, 'data-node': n.id, 'data-depth': n.depth, transform: `translate(${p[0]},${p[1]})` },
      s('circle', { r: n.depth === 0 ? 14 : 9, fill: COLORS[kind] ?? '#888' }),
      s('text', { x: 14, y: 4, class: 'node-label' }, main),
      side ? s('text', { x: 14, y: 18, class: 'node-translit' }, side) : '');
    if (n.entity && n.id !== net.root) {
      g.style.cursor = 'pointer';
      g.addEventListener('click', () => { location.hash = `#network/${n.id}`; });
    }
    svg.append(g);
  }
  return svg;
}

/** networkView builds the entity network view. */
export function networkView(_ctx: Ctx): View {
  let panelEl: HTMLElement | null = null;
  let list: api.Entity[] = [];
  let rootId = '';
  let net: api.Network | null = null;
  let err: unknown = null;
  let ctl: AbortController | null = null;

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl) return;
    const byId = new Map(net?.nodes.map((n) => [n.id, n]) ?? []);
    replace(panelEl,
      h('h1', {}, t('net.title')),
      h('p', { class: 'muted' }, t('net.intro')),
      h('label', { for: 'net-entity' }, t('net.entity')),
      h('select', { id: 'net-entity', onchange: (e: Event) => { location.hash = `#network/${(e.target as HTMLSelectElement).value}`; } },
        option('', '—', !rootId), list.map((e) => { const x = entityText(e); return option(e.id, `${label('ent.kind', e.kind)}: ${x.written}${x.translit ? ` (${x.translit})` : ''}`, e.id === rootId); })),
      err ? notice('error', errorText(err), 'network-error') : null,
      net ? h('div', { class: 'network', 'data-testid': 'network' },
        net.truncated ? notice('warn', t('net.truncated')) : null,
        graph(net),
        h('h2', {}, t('net.nodes')),
        h('ul', { class: 'network-list', 'data-testid': 'network-nodes' }, net.nodes.map((n) => h('li', { 'data-node': n.id, 'data-depth': String(n.depth) },
          n.entity ? h('a', { href: `#network/${n.id}` }, entityName(n.entity)) : `${nodeText(n).main} · ${n.event!.agency}${n.event!.coarsened ? ' · ' + t('net.coarsened') : ''}`,
          h('span', { class: 'muted small' }, ` · ${t('net.depth', { n: n.depth })}`),
          h('ul', { class: 'small' }, net!.edges.filter((e) => e.from === n.id).map((e) => {
            const other = byId.get(e.to);
            return h('li', {}, `${label('net.role', e.role)} → `, other?.entity ? entityName(other.entity) : other ? nodeText(other).main : e.to);
          }))))))
        : rootId ? null : notice('info', t('net.pick')));
  };

  const load = async (): Promise<void> => {
    ctl?.abort();
    ctl = new AbortController();
    try {
      if (!list.length) list = await api.entities([], 1000, ctl.signal);
      net = rootId ? await api.network(rootId, 2, ctl.signal) : null;
      err = null;
    } catch (e) {
      if (isAbort(e)) return;
      err = e;
      net = null;
    }
    render();
  };

  return {
    id: 'network',
    titleKey: 'net.tab',
    render,
    activate: () => void load(),
    deactivate: () => { ctl?.abort(); },
    open: (arg: string) => { if (arg !== rootId) { rootId = arg; net = null; render(); void load(); } },
  };
}
