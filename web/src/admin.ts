// Admin view (admins): the agency's users, its API tokens and its audit
// log with the verification of the whole log. Sharing agreements have
// their own view (sharing.ts), linked from here.
import * as api from './api';
import { Ctx, View, errorText, fillSlots, notice, problemText, slot } from './app';
import { h, option, replace } from './dom';
import { dateTime, label, num, t } from './i18n';

const ROLES = ['viewer', 'analyst', 'planner', 'admin'];

/** Section is one part of the admin view: it draws itself into el and reloads on demand. */
interface Section {
  el: HTMLElement;
  load(): Promise<void>;
  draw(): void;
}

/** field is a labelled input with the place for the API's errors about it. */
function field(id: string, key: string, input: HTMLInputElement | HTMLSelectElement, param: string): HTMLElement[] {
  input.id = id;
  input.dataset.param = param;
  return [h('label', { for: id }, t(key)), h('div', {}, input, slot(param))];
}

function usersSection(ctx: Ctx): Section {
  const el = h('section', { class: 'group', 'data-testid': 'admin-users' });
  let list: api.UserInfo[] = [];
  let err: unknown = null;
  let formErr: unknown = null;
  const run = async (fn: () => Promise<unknown>, done: string): Promise<void> => {
    try { await fn(); err = null; ctx.toast(done, 'ok'); } catch (e) { err = e; }
    await s.load();
  };
  const row = (u: api.UserInfo): HTMLElement => {
    const self = u.username === ctx.me.actor.replace(/^user:/, '');
    const role = h('select', { 'aria-label': t('admin.role_of', { user: u.username }), disabled: self, onchange: (e: Event) => {
      const v = (e.target as HTMLSelectElement).value;
      void run(() => api.updateUser(u.id, { role: v }), t('admin.role_changed', { user: u.username }));
    } }, ROLES.map((r) => option(r, label('role', r), r === u.role)));
    return h('tr', { 'data-user': u.username },
      h('td', {}, u.username), h('td', {}, role),
      h('td', {}, u.disabled ? h('span', { class: 'badge overdue' }, t('admin.disabled')) : t('admin.active')),
      h('td', { class: 'num' }, num(u.sessions)), h('td', {}, dateTime(u.created_at)),
      h('td', {}, self ? h('span', { class: 'muted small' }, t('admin.you')) : h('button', {
        class: u.disabled ? 'btn' : 'btn danger', 'data-action': u.disabled ? 'enable' : 'disable',
        onclick: () => void run(() => api.updateUser(u.id, { disabled: !u.disabled }), t(u.disabled ? 'admin.enabled_done' : 'admin.disabled_done', { user: u.username })),
      }, t(u.disabled ? 'admin.enable' : 'admin.disable'))));
  };
  const form = (): HTMLElement => {
    const name = h('input', { type: 'text', autocomplete: 'off', required: true });
    const role = h('select', {}, ROLES.map((r) => option(r, label('role', r), r === 'viewer')));
    const pass = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
    const f = h('form', { class: 'grid2', 'data-testid': 'user-form', onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        const u = await api.createUser({ username: name.value.trim(), role: role.value, password: pass.value });
        formErr = null;
        ctx.toast(t('admin.user_created', { user: u.username }), 'ok');
      } catch (x) { formErr = x; }
      await s.load();
    } },
    ...field('u-name', 'admin.username', name, 'username'), ...field('u-role', 'admin.role', role, 'role'), ...field('u-pass', 'admin.password', pass, 'password'),
    h('span', {}), h('div', {}, h('button', { class: 'btn primary', type: 'submit', id: 'u-create' }, t('admin.create_user'))));
    const unplaced = formErr ? fillSlots(f, formErr) : [];
    return h('div', {}, f, formErr ? notice('error', problemText(formErr, unplaced), 'user-form-error') : null);
  };
  const s: Section = {
    el,
    load: async () => { try { list = await api.users(); } catch (e) { err = e; } s.draw(); },
    draw: () => replace(el, h('h2', {}, t('admin.users')), h('p', { class: 'muted small' }, t('admin.users_help')),
      err ? notice('error', errorText(err), 'users-error') : null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['admin.username', 'admin.role', 'admin.state', 'admin.sessions', 'admin.created', ''].map((k) => h('th', {}, k ? t(k) : '')))),
        h('tbody', {}, list.map(row)))),
      h('h3', {}, t('admin.new_user')), form()),
  };
  return s;
}

function tokensSection(ctx: Ctx): Section {
  const el = h('section', { class: 'group', 'data-testid': 'admin-tokens' });
  let list: api.TokenInfo[] = [];
  let err: unknown = null;
  let secret = '';
  const state = (k: api.TokenInfo): string => (k.revoked_at ? t('admin.revoked') : k.expires_at && Date.parse(k.expires_at) < Date.now() ? t('admin.expired') : t('admin.active'));
  const row = (k: api.TokenInfo): HTMLElement => h('tr', { 'data-token': String(k.id) },
    h('td', {}, k.label || (k.user_id ? t('admin.session') : '—')), h('td', {}, label('role', k.role)), h('td', {}, state(k)),
    h('td', {}, dateTime(k.created_at)), h('td', {}, k.expires_at ? dateTime(k.expires_at) : t('admin.until_revoked')),
    h('td', {}, k.revoked_at ? null : h('button', { class: 'btn danger', 'data-action': 'revoke', onclick: async () => {
      try { await api.revokeToken(k.id); ctx.toast(t('admin.token_revoked'), 'ok'); err = null; } catch (e) { err = e; }
      await s.load();
    } }, t('admin.revoke'))));
  const form = (): HTMLElement => {
    const lab = h('input', { type: 'text', maxlength: '200' });
    const role = h('select', {}, ROLES.map((r) => option(r, label('role', r), r === 'viewer')));
    const ttl = h('input', { type: 'number', min: '0', step: '1', value: '720' });
    const f = h('form', { class: 'grid2', 'data-testid': 'token-form', onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        secret = (await api.createToken({ label: lab.value.trim(), role: role.value, ttl_hours: Number(ttl.value) })).token;
        err = null;
      } catch (x) { err = x; secret = ''; }
      await s.load();
    } },
    ...field('k-label', 'admin.label', lab, 'label'), ...field('k-role', 'admin.role', role, 'role'), ...field('k-ttl', 'admin.ttl_hours', ttl, 'ttl_hours'),
    h('span', {}), h('div', {}, h('button', { class: 'btn primary', type: 'submit', id: 'k-create' }, t('admin.create_token'))));
    const unplaced = err ? fillSlots(f, err) : [];
    return h('div', {}, f, err ? notice('error', problemText(err, unplaced), 'tokens-error') : null);
  };
  // Tokens that are neither revoked nor expired first, then the rest, newest first.
  const order = (a: api.TokenInfo, b: api.TokenInfo): number => Number(state(a) !== t('admin.active')) - Number(state(b) !== t('admin.active')) || b.id - a.id;
  const s: Section = {
    el,
    load: async () => { try { list = await api.tokens(); } catch (e) { err = e; } s.draw(); },
    draw: () => replace(el, h('h2', {}, t('admin.tokens')), h('p', { class: 'muted small' }, t('admin.tokens_help')),
      secret ? h('div', { class: 'notice notice-warn', role: 'status', 'data-testid': 'token-secret' }, t('admin.secret_once'), h('code', { class: 'secret' }, secret)) : null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['admin.label', 'admin.role', 'admin.state', 'admin.created', 'admin.expires', ''].map((k) => h('th', {}, k ? t(k) : '')))),
        h('tbody', {}, [...list].sort(order).slice(0, 50).map(row)))),
      h('h3', {}, t('admin.new_token')), form()),
  };
  return s;
}

function auditSection(): Section {
  const el = h('section', { class: 'group', 'data-testid': 'admin-audit' });
  let entries: api.AuditEntry[] = [];
  let more = false;
  let check: api.AuditCheck | null = null;
  let err: unknown = null;
  let checking = false;
  const PAGE = 50;
  const page = async (before: number): Promise<void> => {
    try {
      const got = await api.audit(before, PAGE);
      entries = before ? [...entries, ...got] : got;
      more = got.length === PAGE;
    } catch (e) { err = e; }
    s.draw();
  };
  const verify = async (): Promise<void> => {
    checking = true;
    s.draw();
    try { check = await api.verifyAudit(); } catch (e) { err = e; }
    checking = false;
    s.draw();
  };
  const result = (): HTMLElement | null => {
    if (checking) return h('div', { class: 'busy' }, t('admin.verifying'));
    if (!check) return null;
    const c = check;
    const sig = c.key_id ? t('admin.signed', { signed: num(c.signed), unsigned: num(c.unsigned), key: c.key_id }) : t('admin.not_signed');
    return h('div', { 'data-testid': 'audit-verification', 'data-intact': String(c.intact) },
      notice(c.intact ? 'info' : 'error', c.intact ? t('admin.intact', { n: num(c.entries), at: dateTime(c.checked_at) }) : t('admin.broken', { n: num(c.problems.length), at: dateTime(c.checked_at) })),
      h('p', { class: 'small' }, sig),
      c.problems.length ? h('ul', { class: 'small', 'data-testid': 'audit-problems' }, c.problems.slice(0, 50).map((p) => h('li', {}, p))) : null);
  };
  const s: Section = {
    el,
    load: async () => { err = null; await Promise.all([page(0), verify()]); },
    draw: () => replace(el, h('h2', {}, t('admin.audit')), h('p', { class: 'muted small' }, t('admin.audit_help')),
      h('div', { class: 'row' }, h('button', { class: 'btn', id: 'audit-verify', onclick: () => void s.load() }, t('admin.verify'))),
      result(), err ? notice('error', errorText(err), 'audit-error') : null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-testid': 'audit-table' },
        h('thead', {}, h('tr', {}, ['admin.when', 'admin.who', 'admin.action', 'admin.target', 'admin.sig'].map((k) => h('th', {}, t(k))))),
        h('tbody', {}, entries.map((e) => h('tr', { 'data-entry': String(e.id), title: JSON.stringify(e.detail) },
          h('td', {}, dateTime(e.at)), h('td', {}, e.actor), h('td', {}, e.action), h('td', {}, e.target), h('td', {}, e.signed ? '✓' : '–')))))),
      more ? h('button', { class: 'btn', id: 'audit-more', onclick: () => void page(entries[entries.length - 1].id) }, t('admin.older')) : null),
  };
  return s;
}

/** adminView builds the admin's view of users, tokens and the audit log. */
export function adminView(ctx: Ctx): View {
  const sections = [usersSection(ctx), tokensSection(ctx), auditSection()];
  const render = (panel: HTMLElement): void => {
    replace(panel, h('h1', {}, t('admin.title')), h('p', { class: 'muted' }, t('admin.intro'), ' ', h('a', { href: '#sharing' }, t('admin.sharing_link'))),
      sections.map((s) => s.el));
    sections.forEach((s) => s.draw());
  };
  return {
    id: 'admin',
    titleKey: 'tab.admin',
    render,
    activate: () => { replace(ctx.legend); for (const s of sections) void s.load(); },
    deactivate: () => undefined,
  };
}
