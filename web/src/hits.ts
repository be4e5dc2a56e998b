// The hits list: records of the agency that matched a subject of an active
// lookout addressed to it ("hits on our records", each with a release to
// the lookout's author), and records of partners that matched the agency's
// own lookouts ("hits on our lookouts": released to it, or whose record it
// sees anyway). Each hit shows its lookout, the matched subject, the
// record, the score and its state; new hits and releases arrive over the
// live stream.
import * as api from './api';
import { Ctx, View, errorText, notice } from './app';
import { h, replace } from './dom';
import { dateTime, label, pct, t } from './i18n';
import type { Live } from './live';
import { entityName } from './network';

/** hitsView builds the hits list. */
export function hitsView(ctx: Ctx, live: Live): View {
  const me = ctx.me.agency;
  const canRelease = ['analyst', 'admin'].includes(ctx.me.role);
  let panelEl: HTMLElement | null = null;
  let active = false;
  let hits: api.Hit[] | null = null;
  let listErr: unknown = null;
  const rowErr = new Map<number, unknown>();
  // Entities as the caller sees them; null: not visible to the agency.
  const entities = new Map<string, api.Entity | null>();

  const loadEntity = async (id: string): Promise<void> => {
    if (entities.has(id)) return;
    entities.set(id, null);
    try {
      entities.set(id, await api.entity(id));
    } catch (e) {
      if (!(e instanceof api.ApiError && (e.status === 404 || e.status === 403))) entities.delete(id);
    }
  };

  const load = async (): Promise<void> => {
    try {
      hits = await api.hits(100);
      listErr = null;
      await Promise.all(hits.flatMap((x) => [x.subject_id, x.entity_id]).filter((id, i, a) => a.indexOf(id) === i).map(loadEntity));
    } catch (e) {
      listErr = e;
    }
    render();
  };

  const release = async (x: api.Hit): Promise<void> => {
    try {
      await api.releaseHit(x.id);
      rowErr.delete(x.id);
      ctx.toast(t('hits.released_toast', { agency: x.author_agency }), 'ok');
    } catch (e) {
      rowErr.set(x.id, e);
    }
    await load();
  };

  const entityCell = (id: string, kind: string): HTMLElement => {
    const e = entities.get(id);
    return e ? h('a', { href: `#network/${id}`, 'data-entity': id }, entityName(e))
      : h('span', { class: 'muted', 'data-entity': id, title: id }, label('ent.kind', kind), ' — ', t('hits.not_visible'));
  };

  const row = (x: api.Hit): HTMLElement => {
    const ours = x.agency === me;
    const state = x.released_at ? 'released' : 'new';
    const err = rowErr.get(x.id);
    return h('li', { class: `hit-row state-${state}`, 'data-hit': String(x.id), 'data-message': String(x.message_id), 'data-state': state, 'data-side': ours ? 'ours' : 'theirs' },
      h('div', { class: 'row between' },
        h('a', { href: `#inbox/${x.message_id}`, 'data-testid': 'hit-lookout' }, t('hits.lookout', { id: x.message_id, agency: x.author_agency })),
        h('span', { class: `chip state-${state}`, 'data-testid': 'hit-state' }, label('hits.state', state))),
      h('dl', { class: 'hit-facts' },
        h('dt', {}, t('hits.subject')), h('dd', { 'data-testid': 'hit-subject' }, entityCell(x.subject_id, x.kind)),
        h('dt', {}, t('hits.record', { agency: x.agency })), h('dd', { 'data-testid': 'hit-record' }, entityCell(x.entity_id, x.kind),
          x.event_id ? h('span', { class: 'muted small' }, ' · ', t('hits.with_event', { id: x.event_id.slice(0, 8) })) : null),
        h('dt', {}, t('hits.score')), h('dd', { 'data-testid': 'hit-score' }, pct(x.score, 0, true)),
        h('dt', {}, t('hits.when')), h('dd', {}, dateTime(x.created_at),
          x.released_at ? h('span', { class: 'muted small' }, ' · ', t('hits.released_at', { at: dateTime(x.released_at), by: x.released_by ?? x.agency })) : null)),
      err ? notice('error', errorText(err), 'hit-error') : null,
      ours && !x.released_at && canRelease
        ? h('button', { class: 'btn primary', 'data-action': 'release', 'data-testid': 'hit-release', onclick: () => void release(x) }, t('hits.release', { agency: x.author_agency }))
        : null);
  };

  const section = (side: 'ours' | 'theirs', list: api.Hit[]): HTMLElement =>
    h('section', { class: 'group', 'data-testid': `hits-${side}` },
      h('h2', {}, t(`hits.${side}`), ' ', h('span', { class: 'badge', 'data-testid': `hits-${side}-count` }, String(list.length))),
      list.length ? h('ul', { class: 'hit-list' }, list.map(row)) : notice('info', t(`hits.empty_${side}`), `hits-${side}-empty`));

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl || !active) return;
    replace(panelEl,
      h('h1', {}, t('hits.title')),
      h('p', { class: 'muted small' }, t('hits.intro')),
      h('div', { class: 'muted small', 'data-testid': 'live-state', 'data-connected': String(live.connected()) }, live.connected() ? t('hits.live') : t('msg.offline')),
      listErr ? notice('error', errorText(listErr), 'hits-error') : null,
      hits ? [section('ours', hits.filter((x) => x.agency === me)), section('theirs', hits.filter((x) => x.agency !== me))]
        : h('div', { class: 'loading' }, t('common.loading')));
  };

  live.onHit(() => { if (active) void load(); });
  live.onCounts(() => render());

  return {
    id: 'hits',
    titleKey: 'hits.tab',
    render,
    activate: () => { active = true; render(); void load(); },
    deactivate: () => { active = false; },
  };
}
