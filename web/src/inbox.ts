// The exchange between Border Liaison Offices: the agency's inbox and sent
// messages with their state at each recipient, a thread (opening it marks
// it read; the server audits the read), acknowledging and replying, and
// composing a lookout, a request for information or a notice. New
// messages and state changes arrive over the live stream.
import type { Map as MLMap, MapMouseEvent } from 'maplibre-gl';
import * as maplibregl from 'maplibre-gl';
import * as api from './api';
import { Ctx, View, errorText, fillSlots, notice, problemText, slot } from './app';
import { h, option, replace } from './dom';
import { dateTime, label, num, t } from './i18n';
import type { Live } from './live';
import { entityName, entityText } from './network';

const KINDS = ['lookout', 'rfi', 'notice'] as const;
const URGENCIES = ['routine', 'urgent', 'flash'] as const;

/** localInput is a date-time for a datetime-local input, h hours from now. */
function localInput(hours: number): string {
  const d = new Date(Date.now() + hours * 3600e3);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

/** Draft is the compose form's state. */
interface Draft {
  kind: (typeof KINDS)[number];
  urgency: (typeof URGENCIES)[number];
  recipients: Set<string>;
  validFrom: string;
  validUntil: string;
  text: string;
  subjects: api.Entity[];
  place: 'none' | 'crossing' | 'point';
  crossing: string;
  point: [number, number] | null;
  search: string;
}

const newDraft = (): Draft => ({ kind: 'lookout', urgency: 'routine', recipients: new Set(), validFrom: localInput(0), validUntil: localInput(72),
  text: '', subjects: [], place: 'none', crossing: '', point: null, search: '' });

/** inboxView builds the exchange view. */
export function inboxView(ctx: Ctx, live: Live): View {
  const me = ctx.me.agency;
  let panelEl: HTMLElement | null = null;
  let box: 'inbox' | 'outbox' = 'inbox';
  let list: api.MessageBox | null = null;
  let listErr: unknown = null;
  let openId = 0;
  let thread: api.Message[] | null = null;
  let threadErr: unknown = null;
  let composing = false;
  let draft = newDraft();
  let formErr: unknown = null;
  let entities: api.Entity[] | null = null;
  // Entities the server matched to the subject search (GET /api/match): a
  // plate or a name in any script, beyond the first page of entities.
  let matched: api.Entity[] = [];
  let matchTimer: number | undefined;
  let reply = '';
  let replyErr: unknown = null;
  let picking = false;
  let marker: maplibregl.Marker | null = null;
  let active = false;
  const map: MLMap = ctx.map;

  const crossingName = (id: number | undefined): string => {
    const f = ctx.base.crossings.features.find((c) => Number(c.id) === id);
    return f ? String(f.properties?.name ?? id) : String(id);
  };
  const whereText = (w: api.Where): string => {
    if (w.crossing != null) return t('msg.at_crossing', { name: crossingName(w.crossing) });
    if (w.section) return t('msg.at_section', { id: w.section });
    if (w.point) return t('msg.at_point', { lat: num(w.point[1], 4), lon: num(w.point[0], 4) });
    return '';
  };
  const mine = (m: api.Message): api.Delivery | undefined => m.deliveries.find((d) => d.agency === me);
  const stateChip = (d: api.Delivery): HTMLElement => h('span', { class: `chip state-${d.state}${d.overdue ? ' overdue' : ''}`, 'data-agency': d.agency, 'data-state': d.state, 'data-overdue': String(d.overdue) },
    box === 'outbox' || d.agency !== me ? `${d.agency}: ` : '', label('msg.state', d.state), d.overdue ? ` · ${t('msg.overdue')}` : '');

  const row = (m: api.Message): HTMLElement => {
    const d = mine(m);
    const unread = box === 'inbox' && d?.state === 'delivered';
    return h('li', { class: `msg-row urgency-${m.urgency}${unread ? ' unread' : ''}${m.id === openId ? ' active' : ''}`, 'data-message': String(m.id), 'data-kind': m.kind },
      h('a', { href: `#inbox/${m.id}` },
        h('span', { class: `chip urgency urgency-${m.urgency}` }, label('msg.urgency', m.urgency)), ' ',
        h('strong', {}, label('msg.kind', m.kind)), ' ',
        box === 'inbox' ? t('msg.from', { agency: m.author_agency }) : t('msg.to', { agencies: m.deliveries.map((x) => x.agency).join(', ') }),
        h('span', { class: 'muted small' }, ` · ${dateTime(m.created_at)}`)),
      h('div', { class: 'chips' }, (box === 'inbox' && d ? [d] : m.deliveries).map(stateChip)));
  };

  const ack = async (id: number): Promise<void> => {
    try {
      await api.ackMessage(id);
      ctx.toast(t('msg.acked'), 'ok');
      threadErr = null;
    } catch (e) {
      threadErr = e;
    }
    live.refresh();
    await Promise.all([loadList(), loadThread()]);
  };

  const sendReply = async (to: api.Message): Promise<void> => {
    try {
      await api.sendMessage({ kind: 'reply', urgency: 'routine', text: reply, recipients: [], subjects: [], where: {}, in_reply_to: to.id }, crypto.randomUUID());
      reply = '';
      replyErr = null;
      ctx.toast(t('msg.sent'), 'ok');
    } catch (e) {
      replyErr = e;
    }
    await Promise.all([loadList(), loadThread()]);
  };

  const messageCard = (m: api.Message): HTMLElement => {
    const d = mine(m);
    return h('article', { class: `msg-card urgency-${m.urgency}`, 'data-message': String(m.id) },
      h('header', {},
        h('span', { class: `chip urgency urgency-${m.urgency}` }, label('msg.urgency', m.urgency)), ' ',
        h('strong', {}, label('msg.kind', m.kind)), ' ', t('msg.from', { agency: m.author_agency }), h('span', { class: 'muted small' }, ` · ${m.author} · ${dateTime(m.created_at)}`)),
      m.purged ? notice('info', t('msg.purged')) : h('p', { class: 'msg-text', dir: 'auto', 'data-testid': 'message-text' }, m.text ?? ''),
      whereText(m.where) ? h('div', { class: 'small' }, whereText(m.where)) : null,
      m.valid_until ? h('div', { class: 'small' }, t('msg.valid', { from: dateTime(m.valid_from ?? m.created_at), until: dateTime(m.valid_until) })) : null,
      m.ack_due_at ? h('div', { class: 'small' }, t('msg.ack_due', { at: dateTime(m.ack_due_at) })) : null,
      m.subjects?.length ? h('div', { class: 'small' }, t('msg.subjects'), ' ', m.subjects.map((s) => {
        const e = entities?.find((x) => x.id === String(s));
        return h('a', { href: `#network/${s}`, class: 'subject' }, e ? entityName(e) : String(s));
      })) : null,
      h('div', { class: 'chips', 'data-testid': 'deliveries' }, m.deliveries.map(stateChip)),
      d && d.state !== 'acknowledged' && d.state !== 'answered'
        ? h('button', { class: 'btn primary', 'data-action': 'ack', 'data-testid': 'ack', onclick: () => void ack(m.id) }, t('msg.ack')) : null);
  };

  const threadPane = (): HTMLElement | null => {
    if (!openId) return null;
    const last = thread?.[thread.length - 1];
    return h('section', { class: 'group thread', 'data-testid': 'thread', 'data-thread': String(openId) },
      h('div', { class: 'row between' }, h('h2', {}, t('msg.thread')), h('button', { class: 'btn', id: 'thread-close', onclick: () => { openId = 0; thread = null; history.replaceState(null, '', '#inbox'); render(); } }, t('msg.close'))),
      threadErr ? notice('error', errorText(threadErr), 'thread-error') : null,
      thread ? thread.map(messageCard) : h('div', { class: 'loading' }, t('common.loading')),
      last && !last.purged ? h('div', { class: 'reply' },
        h('label', { for: 'msg-reply' }, t('msg.reply')),
        h('textarea', { id: 'msg-reply', rows: 3, maxlength: 10000, oninput: (e: Event) => { reply = (e.target as HTMLTextAreaElement).value; } }, reply),
        replyErr ? notice('error', errorText(replyErr), 'reply-error') : null,
        h('div', { class: 'row end' }, h('button', { class: 'btn primary', id: 'msg-reply-send', onclick: () => void sendReply(last) }, t('msg.send_reply')))) : null);
  };

  const setPoint = (p: [number, number] | null): void => {
    draft.point = p;
    marker?.remove();
    marker = p ? new maplibregl.Marker({ color: '#c0392b' }).setLngLat(p).addTo(map) : null;
  };
  const onMapClick = (e: MapMouseEvent): void => {
    if (!picking) return;
    picking = false;
    map.getCanvas().style.cursor = '';
    setPoint([Number(e.lngLat.lng.toFixed(5)), Number(e.lngLat.lat.toFixed(5))]);
    render();
  };

  const findMatches = async (q: string): Promise<void> => {
    const text = q.trim();
    if (text.length < 3) {
      matched = [];
      return;
    }
    try {
      const found = await api.match(/\d/.test(text) ? 'vehicle' : 'person', text, 8);
      if (draft.search !== q) return;
      matched = found.map((m) => m.entity);
    } catch {
      matched = [];
    }
    render();
    document.getElementById('msg-subject-search')?.focus();
  };

  const subjectPicker = (): HTMLElement => {
    const q = draft.search.trim().toLowerCase();
    const chosen = new Set(draft.subjects.map((e) => e.id));
    const local = q && entities ? entities.filter((e) => [entityText(e).written, e.name_latin, e.name_cyrillic, ...(e.person?.other_names ?? [])]
      .some((s) => s && s.toLowerCase().includes(q))) : [];
    const found = [...matched, ...local].filter((e, i, all) => !chosen.has(e.id) && all.findIndex((x) => x.id === e.id) === i).slice(0, 8);
    const search = h('input', { id: 'msg-subject-search', type: 'search', value: draft.search, placeholder: t('msg.subject_search'),
      oninput: (e: Event) => {
        draft.search = (e.target as HTMLInputElement).value;
        window.clearTimeout(matchTimer);
        const q = draft.search;
        matchTimer = window.setTimeout(() => void findMatches(q), 250);
        render();
        document.getElementById('msg-subject-search')?.focus();
      } });
    return h('div', { 'data-param': 'subjects' },
      h('ul', { class: 'chosen', 'data-testid': 'subjects' }, draft.subjects.map((e) => h('li', { 'data-entity': e.id }, entityName(e), ' ',
        h('button', { class: 'btn icon', 'aria-label': t('msg.remove'), onclick: () => { draft.subjects = draft.subjects.filter((x) => x.id !== e.id); render(); } }, '×')))),
      search,
      entities === null ? h('div', { class: 'muted small' }, t('common.loading')) : null,
      h('ul', { class: 'found', 'data-testid': 'subject-results' }, found.map((e) => h('li', { 'data-entity': e.id },
        h('button', { class: 'btn', onclick: () => { draft.subjects.push(e); draft.search = ''; matched = []; render(); } }, '+'), ' ', entityName(e)))),
      slot('subjects'));
  };

  const send = async (): Promise<void> => {
    const d: api.MessageDraft = { kind: draft.kind, urgency: draft.urgency, text: draft.text, recipients: [...draft.recipients],
      subjects: draft.subjects.map((e) => e.id), where: {} };
    if (draft.kind === 'lookout') {
      if (draft.validFrom) d.valid_from = new Date(draft.validFrom).toISOString();
      if (draft.validUntil) d.valid_until = new Date(draft.validUntil).toISOString();
    }
    if (draft.place === 'crossing' && draft.crossing) d.where = { crossing: Number(draft.crossing) };
    if (draft.place === 'point' && draft.point) d.where = { point: draft.point };
    try {
      const m = await api.sendMessage(d, crypto.randomUUID());
      formErr = null;
      composing = false;
      setPoint(null);
      draft = newDraft();
      box = 'outbox';
      ctx.toast(t('msg.sent'), 'ok');
      location.hash = `#inbox/${m.id}`;
    } catch (e) {
      formErr = e;
    }
    await loadList();
  };

  const compose = (): HTMLElement => {
    const partners = ctx.agencies.filter((a) => a !== me);
    const el = h('section', { class: 'group compose', 'data-testid': 'compose' },
      h('h2', {}, t('msg.compose')),
      h('div', { class: 'grid2' },
        h('label', { for: 'msg-kind' }, t('msg.kind')),
        h('div', {}, h('select', { id: 'msg-kind', 'data-param': 'kind', onchange: (e: Event) => { draft.kind = (e.target as HTMLSelectElement).value as Draft['kind']; render(); } },
          KINDS.map((k) => option(k, label('msg.kind', k), k === draft.kind))), slot('kind')),
        h('span', {}, t('msg.recipients')),
        h('div', { 'data-param': 'recipients', 'data-testid': 'recipients' }, partners.map((a) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', value: a, checked: draft.recipients.has(a), onchange: (e: Event) => { if ((e.target as HTMLInputElement).checked) draft.recipients.add(a); else draft.recipients.delete(a); } }), a)),
        slot('recipients')),
        h('label', { for: 'msg-urgency' }, t('msg.urgency')),
        h('div', {}, h('select', { id: 'msg-urgency', 'data-param': 'urgency', onchange: (e: Event) => { draft.urgency = (e.target as HTMLSelectElement).value as Draft['urgency']; } },
          URGENCIES.map((u) => option(u, label('msg.urgency', u), u === draft.urgency))), slot('urgency')),
        draft.kind === 'lookout' ? [
          h('label', { for: 'msg-from' }, t('msg.valid_from')),
          h('div', {}, h('input', { id: 'msg-from', type: 'datetime-local', 'data-param': 'valid_from', value: draft.validFrom, onchange: (e: Event) => { draft.validFrom = (e.target as HTMLInputElement).value; } }), slot('valid_from')),
          h('label', { for: 'msg-until' }, t('msg.valid_until')),
          h('div', {}, h('input', { id: 'msg-until', type: 'datetime-local', 'data-param': 'valid_until', value: draft.validUntil, onchange: (e: Event) => { draft.validUntil = (e.target as HTMLInputElement).value; } }), slot('valid_until')),
        ] : null,
        h('label', { for: 'msg-place' }, t('msg.place')),
        h('div', { 'data-param': 'where' },
          h('select', { id: 'msg-place', onchange: (e: Event) => { draft.place = (e.target as HTMLSelectElement).value as Draft['place']; if (draft.place !== 'point') setPoint(null); render(); } },
            (['none', 'crossing', 'point'] as const).map((p) => option(p, t(`msg.place_${p}`), p === draft.place))),
          draft.place === 'crossing' ? h('select', { id: 'msg-crossing', 'data-param': 'where.crossing', onchange: (e: Event) => { draft.crossing = (e.target as HTMLSelectElement).value; } },
            option('', '—', !draft.crossing), ctx.base.crossings.features.map((f) => option(String(f.id), String(f.properties?.name ?? f.id), String(f.id) === draft.crossing))) : null,
          draft.place === 'point' ? h('div', {},
            h('button', { class: 'btn', id: 'msg-pick', onclick: () => { picking = true; map.getCanvas().style.cursor = 'crosshair'; render(); } }, picking ? t('msg.picking') : t('msg.pick')),
            draft.point ? h('span', { class: 'small', 'data-testid': 'picked-point' }, ' ', t('msg.at_point', { lat: num(draft.point[1], 4), lon: num(draft.point[0], 4) })) : null) : null,
          slot('where', 'where.crossing', 'where.point', 'where.section')),
        h('label', { for: 'msg-text' }, t('msg.text')),
        h('div', {}, h('textarea', { id: 'msg-text', rows: 4, maxlength: 10000, 'data-param': 'text', oninput: (e: Event) => { draft.text = (e.target as HTMLTextAreaElement).value; } }, draft.text), slot('text')),
        h('span', {}, t('msg.subjects')),
        subjectPicker()),
      h('div', { class: 'row end' },
        h('button', { class: 'btn', onclick: () => { composing = false; setPoint(null); render(); } }, t('common.cancel')),
        h('button', { class: 'btn primary', id: 'msg-send', onclick: () => void send() }, t('msg.send'))));
    const unplaced = formErr ? fillSlots(el, formErr) : [];
    if (formErr) el.append(notice('error', problemText(formErr, unplaced), 'compose-error'));
    return el;
  };

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl || !active) return;
    const c = live.counts();
    replace(panelEl,
      h('h1', {}, t('msg.title')),
      h('div', { class: 'row between' },
        h('div', { class: 'seg', role: 'group', 'aria-label': t('msg.title') },
          h('button', { class: box === 'inbox' ? 'btn active' : 'btn', id: 'box-inbox', 'aria-pressed': String(box === 'inbox'), onclick: () => { box = 'inbox'; void loadList(); } },
            t('msg.inbox'), ' ', h('span', { class: 'badge', 'data-testid': 'unread-count' }, String(c.unread)), c.overdue_in ? h('span', { class: 'badge overdue', 'data-testid': 'overdue-in' }, t('msg.n_overdue', { n: c.overdue_in })) : null),
          h('button', { class: box === 'outbox' ? 'btn active' : 'btn', id: 'box-outbox', 'aria-pressed': String(box === 'outbox'), onclick: () => { box = 'outbox'; void loadList(); } },
            t('msg.outbox'), c.overdue_out ? h('span', { class: 'badge overdue', 'data-testid': 'overdue-out' }, t('msg.n_overdue', { n: c.overdue_out })) : null)),
        h('button', { class: 'btn primary', id: 'msg-new', onclick: () => { composing = true; void loadEntities(); render(); } }, t('msg.new'))),
      h('div', { class: 'muted small', 'data-testid': 'live-state', 'data-connected': String(live.connected()) }, live.connected() ? t('msg.live') : t('msg.offline')),
      composing ? compose() : null,
      threadPane(),
      listErr ? notice('error', errorText(listErr), 'inbox-error') : null,
      list ? (list.messages.length ? h('ul', { class: 'msg-list', 'data-testid': `box-${box}` }, list.messages.map(row)) : notice('info', t('msg.empty'), `box-${box}-empty`))
        : h('div', { class: 'loading' }, t('common.loading')));
  };

  const loadList = async (): Promise<void> => {
    try {
      list = await api.messages(box, 50);
      listErr = null;
    } catch (e) {
      listErr = e;
    }
    render();
  };
  const loadThread = async (): Promise<void> => {
    if (!openId) return;
    try {
      thread = await api.thread(openId);
      threadErr = null;
      live.refresh();
    } catch (e) {
      threadErr = e;
    }
    render();
  };
  const loadEntities = async (): Promise<void> => {
    if (entities) return;
    try {
      entities = await api.entities([], 1000);
    } catch (e) {
      entities = [];
      ctx.toast(errorText(e), 'error');
    }
    render();
  };

  live.onMessage((e, type) => {
    if (!active) return;
    void loadList();
    if (!thread || e.thread_id !== thread[0]?.thread_id) return;
    if (type === 'message') {
      void loadThread();
      return;
    }
    // A state change: shown in place, without reading the thread again.
    for (const m of thread) {
      if (m.id !== e.message_id) continue;
      const d = m.deliveries.find((x) => x.agency === e.recipient);
      if (d && e.state === 'overdue') d.overdue = true;
      else if (d) d.state = e.state as api.Delivery['state'];
    }
    render();
  });
  live.onCounts(() => render());

  return {
    id: 'inbox',
    titleKey: 'msg.tab',
    render,
    activate: () => { active = true; map.on('click', onMapClick); render(); void loadList(); void loadEntities(); },
    deactivate: () => { active = false; picking = false; map.off('click', onMapClick); setPoint(null); },
    open: (arg: string) => {
      const id = Number(arg);
      if (!Number.isInteger(id) || id <= 0 || id === openId) return;
      openId = id;
      thread = null;
      reply = '';
      replyErr = null;
      void loadThread();
    },
  };
}
