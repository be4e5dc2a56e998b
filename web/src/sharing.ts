// Sharing view (admins): the agency's sharing agreements by the consent of
// both agencies. An admin proposes terms to a partner; anything that lets a
// party see more waits for the partner's admin to accept it, while coarser
// terms and revocation take effect at once. Both sides see the pending
// proposals and the history of every change.
import * as api from './api';
import { Ctx, View, errorText, fillSlots, notice, problemText, slot } from './app';
import { h, option, replace } from './dom';
import { dateTime, label, num, t } from './i18n';

/** termsText describes coarsening terms in words. */
function termsText(m: number | null | undefined, time: string | null | undefined): string {
  if (m == null && time == null) return t('share.exact');
  const parts: string[] = [];
  if (m != null) parts.push(t('share.cell', { m: num(m) }));
  if (time != null) parts.push(t('share.rounded', { unit: label('share.unit', time) }));
  return parts.join(', ');
}

/** sharingView builds the admin's view of sharing agreements. */
export function sharingView(ctx: Ctx): View {
  const me = ctx.me.agency;
  let data: api.Sharing | null = null;
  let err: unknown = null;
  let formErr: unknown = null;
  let panelEl: HTMLElement | null = null;
  const draft = { partner: '', coarsen_m: '', coarsen_time: '', note: '' };

  const partnerOf = (a: { agency_a: string; agency_b: string }): string => (a.agency_a === me ? a.agency_b : a.agency_a);

  const act = async (fn: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await fn();
      ctx.toast(done, 'ok');
      err = null;
    } catch (e) {
      err = e;
    }
    await load();
  };

  const proposeNow = async (): Promise<void> => {
    const m = draft.coarsen_m.trim();
    const terms: api.Terms = {
      partner: draft.partner, coarsen_m: m === '' ? null : Number(m),
      coarsen_time: draft.coarsen_time || null, note: draft.note.trim(),
    };
    try {
      const r = await api.propose(terms);
      formErr = null;
      ctx.toast(r.applied ? t('share.applied') : t('share.sent', { partner: terms.partner }), 'ok');
    } catch (e) {
      formErr = e;
    }
    await load();
  };

  const agreementRow = (a: api.Agreement): HTMLElement => {
    const partner = partnerOf(a);
    return h('li', { class: 'share-item', 'data-agreement': String(a.id), 'data-partner': partner },
      h('div', {}, h('strong', {}, partner), ' — ', termsText(a.coarsen_m, a.coarsen_time), a.note ? h('div', { class: 'muted small' }, a.note) : null),
      h('div', { class: 'row end' },
        h('button', { class: 'btn', 'data-action': 'narrow', onclick: () => { draft.partner = partner; render(); document.getElementById('sh-m')?.focus(); } }, t('share.change')),
        h('button', { class: 'btn danger', 'data-action': 'revoke', onclick: () => { if (confirm(t('share.revoke_confirm', { partner }))) void act(() => api.revoke(a.id), t('share.revoked')); } }, t('share.revoke'))));
  };

  const proposalRow = (p: api.Proposal): HTMLElement => {
    const mine = p.proposed_by === me;
    return h('li', { class: 'share-item', 'data-proposal': String(p.id), 'data-partner': partnerOf(p) },
      h('div', {},
        h('strong', {}, partnerOf(p)), ' — ', termsText(p.coarsen_m, p.coarsen_time),
        h('div', { class: 'muted small' }, mine ? t('share.waits_for', { partner: partnerOf(p) }) : t('share.proposed_by', { agency: p.proposed_by }), ' · ', dateTime(p.proposed_at))),
      h('div', { class: 'row end' },
        mine ? null : h('button', { class: 'btn primary', 'data-action': 'accept', onclick: () => void act(() => api.decide(p.id, 'accept'), t('share.accepted')) }, t('share.accept')),
        h('button', { class: 'btn', 'data-action': 'decline', onclick: () => void act(() => api.decide(p.id, 'decline'), mine ? t('share.withdrawn') : t('share.declined')) },
          mine ? t('share.withdraw') : t('share.decline'))));
  };

  const historyRow = (c: api.AgreementChange): HTMLElement => h('li', { 'data-action': c.action },
    h('span', { class: 'muted small' }, dateTime(c.at)), ' ',
    t(`share.did_${c.action}`, { by: c.by, partner: c.by === c.agency_a ? c.agency_b : c.agency_a }),
    c.after ? ` (${termsText(c.after.coarsen_m, c.after.coarsen_time)})` : '');

  const form = (): HTMLElement => {
    const el = h('section', { class: 'group', 'data-testid': 'share-form' },
      h('h2', {}, t('share.propose_title')),
      h('p', { class: 'muted small' }, t('share.propose_help')),
      h('div', { class: 'grid2' },
        h('label', { for: 'sh-partner' }, t('share.partner')),
        h('div', {}, h('select', { id: 'sh-partner', 'data-param': 'partner', onchange: (e: Event) => { draft.partner = (e.target as HTMLSelectElement).value; } },
          option('', '—', !draft.partner), ctx.agencies.filter((a) => a !== me).map((a) => option(a, a, a === draft.partner))), slot('partner')),
        h('label', { for: 'sh-m' }, t('share.coarsen_m')),
        h('div', {}, h('input', { id: 'sh-m', type: 'number', min: '100', max: '100000', step: '100', 'data-param': 'coarsen_m', value: draft.coarsen_m, placeholder: t('share.exact'),
          onchange: (e: Event) => { draft.coarsen_m = (e.target as HTMLInputElement).value; } }), slot('coarsen_m')),
        h('label', { for: 'sh-time' }, t('share.coarsen_time')),
        h('div', {}, h('select', { id: 'sh-time', 'data-param': 'coarsen_time', onchange: (e: Event) => { draft.coarsen_time = (e.target as HTMLSelectElement).value; } },
          option('', t('share.exact'), !draft.coarsen_time), ['day', 'month'].map((u) => option(u, label('share.unit', u), u === draft.coarsen_time))), slot('coarsen_time')),
        h('label', { for: 'sh-note' }, t('share.note')),
        h('div', {}, h('input', { id: 'sh-note', type: 'text', maxlength: '2000', 'data-param': 'note', value: draft.note, onchange: (e: Event) => { draft.note = (e.target as HTMLInputElement).value; } }), slot('note'))),
      h('div', { class: 'row end' }, h('button', { class: 'btn primary', id: 'sh-propose', onclick: () => void proposeNow() }, t('share.propose'))));
    const unplaced = formErr ? fillSlots(el, formErr) : [];
    if (formErr) el.append(notice('error', problemText(formErr, unplaced), 'share-form-error'));
    return el;
  };

  const render = (panel?: HTMLElement): void => {
    if (panel) panelEl = panel;
    if (!panelEl) return;
    const agreements = data?.agreements ?? [];
    const pending = (data?.proposals ?? []).filter((p) => p.state === 'pending');
    replace(panelEl,
      h('h1', {}, t('share.title')),
      h('p', { class: 'muted' }, t('share.intro')),
      err ? notice('error', errorText(err), 'share-error') : null,
      h('section', { class: 'group' }, h('h2', {}, t('share.in_force')),
        agreements.length ? h('ul', { class: 'share-list', 'data-testid': 'share-agreements' }, agreements.map(agreementRow)) : notice('info', t('share.none'))),
      h('section', { class: 'group' }, h('h2', {}, t('share.pending'), ' ', h('span', { class: 'badge', 'data-testid': 'share-pending-count' }, String(pending.length))),
        pending.length ? h('ul', { class: 'share-list', 'data-testid': 'share-proposals' }, pending.map(proposalRow)) : notice('info', t('share.no_pending'))),
      form(),
      h('section', { class: 'group' }, h('h2', {}, t('share.history')),
        h('ul', { class: 'share-history', 'data-testid': 'share-history' }, (data?.history ?? []).slice(0, 30).map(historyRow))));
  };

  const load = async (): Promise<void> => {
    try {
      data = await api.sharing();
    } catch (e) {
      err = e;
    }
    render();
  };

  return {
    id: 'sharing',
    titleKey: 'share.tab',
    render,
    activate: () => void load(),
    deactivate: () => undefined,
  };
}
