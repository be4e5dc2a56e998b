// Entry point: the app shell (tabs, language, settings), the shared map and
// the five views, switched by the address's hash (#hotspots, #sectors, …).
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles.css';
import * as api from './api';
import { Ctx, View, errorText, notice } from './app';
import { h, option, replace } from './dom';
import { currentLang, label, languages, onLangChange, setLang, t, type Lang } from './i18n';
import { applyTileSettings, createMap, fitData, loadBasemap, tileSettings, whenLoaded } from './map';
import { addRoads } from './roads';
import { hotspotsView } from './hotspots';
import { sectorsView } from './sectors';
import { patrolsView } from './patrols';
import { entryView } from './entry';
import { reportView } from './report';
import { forecastView } from './forecast';
import { sharingView } from './sharing';
import { inboxView } from './inbox';
import { hitsView } from './hits';
import { networkView } from './network';
import { startLive } from './live';
import { startAlerts } from './alerts';
import { teamsView } from './teams';
import { rulesView } from './rules';
import { startA11y } from './a11y';
import { dockLegend } from './legend';
import { adminView } from './admin';

const tabs = document.getElementById('tabs')!;
const right = document.getElementById('topbar-right')!;
const panel = document.getElementById('panel')!;
const overlay = document.getElementById('map-overlay')!;
const legend = document.getElementById('map-legend')!;

function toast(message: string, kind: 'info' | 'error' | 'ok' = 'info'): void {
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  overlay.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 9000 : 4000);
}

function settingsDialog(ctx: Ctx): HTMLDialogElement {
  const s = tileSettings();
  const enabled = h('input', { type: 'checkbox', id: 'tiles-on', checked: s.enabled });
  const urlIn = h('input', { type: 'url', id: 'tiles-url', value: s.url, placeholder: 'https://tiles.example.org/{z}/{x}/{y}.png', size: 48 });
  const attr = h('input', { type: 'text', id: 'tiles-attr', value: s.attribution });
  const token = h('input', { type: 'password', id: 'api-token', value: api.token(), autocomplete: 'off' });
  const dlg = h('dialog', { class: 'dialog' },
    h('form', { method: 'dialog' },
      h('h2', {}, t('settings.title')),
      h('p', { class: 'muted' }, t('settings.offline_note')),
      h('label', { class: 'check' }, enabled, t('settings.tiles_enable')),
      h('label', { for: 'tiles-url' }, t('settings.tiles_url')), urlIn,
      h('label', { for: 'tiles-attr' }, t('settings.tiles_attribution')), attr,
      h('label', { for: 'api-token' }, t('settings.token')), token,
      h('div', { class: 'row end' },
        h('button', { value: 'cancel', class: 'btn' }, t('common.cancel')),
        h('button', {
          value: 'ok', class: 'btn primary', onclick: () => {
            applyTileSettings(ctx.map, { enabled: enabled.checked, url: urlIn.value.trim(), attribution: attr.value.trim() });
            if (token.value.trim() !== api.token()) api.setToken(token.value.trim());
          },
        }, t('common.save')))));
  dlg.addEventListener('close', () => dlg.remove());
  return dlg;
}

/** loginScreen asks for a username and password until the server accepts them. */
function loginScreen(): Promise<api.Me> {
  return new Promise((resolve) => {
    const screen = h('div', { class: 'login-screen', 'data-testid': 'login' });
    const draw = (error = '', fields: api.InvalidParam[] = [], user = ''): void => {
      const fieldErr = (name: string) => fields.filter((p) => p.name === name).map((p) => h('div', { class: 'field-error', 'data-field-error': name }, p.reason));
      const userIn = h('input', { type: 'text', id: 'login-user', autocomplete: 'username', value: user, required: true });
      const passIn = h('input', { type: 'password', id: 'login-pass', autocomplete: 'current-password', required: true });
      const submit = h('button', { class: 'btn primary', type: 'submit', id: 'login-submit' }, t('login.submit'));
      const form = h('form', {
        class: 'login-box', onsubmit: async (e: Event) => {
          e.preventDefault();
          submit.disabled = true;
          try {
            const me = await api.login(userIn.value.trim(), passIn.value);
            screen.remove();
            resolve(me);
          } catch (err) {
            const ae = err instanceof api.ApiError ? err : null;
            draw(ae?.status === 401 ? t('login.failed') : errorText(err), ae?.params ?? [], userIn.value);
          }
        },
      },
        h('div', { class: 'brand dark' }, h('span', { class: 'brand-mark' }), h('span', { class: 'brand-name' }, 'Borderwatch')),
        h('h1', {}, t('login.title')),
        h('p', { class: 'muted small' }, t('login.note')),
        error ? notice('error', error, 'login-error') : null,
        h('div', { class: 'field' }, h('label', { for: 'login-user' }, t('login.username')), userIn, fieldErr('username')),
        h('div', { class: 'field' }, h('label', { for: 'login-pass' }, t('login.password')), passIn, fieldErr('password')),
        h('div', { class: 'row between' },
          h('select', { id: 'login-lang', 'aria-label': t('common.language'), onchange: (e: Event) => { setLang((e.target as HTMLSelectElement).value as Lang); draw(error, fields, userIn.value); } },
            languages.map((l) => option(l, t(`lang.${l}`), l === currentLang()))),
          submit));
      replace(screen, form);
      (user ? passIn : userIn).focus();
    };
    document.body.append(screen);
    draw();
  });
}

/** signIn returns who the stored token acts as, or asks the user to sign in. */
async function signIn(): Promise<api.Me> {
  if (api.token()) {
    try {
      return await api.me();
    } catch (e) {
      if (!(e instanceof api.ApiError && e.status === 401)) throw e;
      api.setToken('');
    }
  }
  return loginScreen();
}

async function main(): Promise<void> {
  replace(panel, h('div', { class: 'loading' }, t('common.loading')));
  const me = await signIn();
  api.onUnauthorized(() => {
    api.setToken('');
    location.reload();
  });
  const map = createMap(document.getElementById('map')!);
  dockLegend(map, legend);
  await whenLoaded(map);
  let base;
  try {
    base = await loadBasemap(map);
  } catch (e) {
    replace(panel, notice('error', t('error.basemap') + ' ' + errorText(e), 'basemap-error'));
    return;
  }
  applyTileSettings(map, tileSettings());
  addRoads(map);
  let eventRange = { from: '2000-01-01', to: new Date().toISOString().slice(0, 10) };
  try {
    const info = await api.collectionInfo('events');
    const iv = info.extent?.temporal?.interval?.[0];
    if (iv?.[0] && iv?.[1]) eventRange = { from: iv[0].slice(0, 10), to: iv[1].slice(0, 10) };
    // The view starts on the events the user may see, within the covered region.
    fitData(map, info.extent?.spatial?.bbox?.[0]);
  } catch (e) {
    toast(errorText(e), 'error');
  }
  const agencies = new Set<string>();
  for (const fc of [base.offices, base.teams]) for (const f of fc.features) if (f.properties?.agency) agencies.add(String(f.properties.agency));
  agencies.add(me.agency);
  // Every agency of the reference data, not only those with an office or a team.
  try { for (const a of await api.agencies()) agencies.add(a.id); } catch (e) { toast(errorText(e), 'error'); }
  const ctx: Ctx = { map, base, eventRange, agencies: [...agencies].sort(), me, legend, toast };

  // The exchange: flash messages show in a banner over every view until
  // acknowledged; the inbox tab shows the unread and overdue counts.
  const banners = h('div', { class: 'banner-group', id: 'flash-banners' });
  // Alerts about the agency's teams: a banner over every view for each one
  // raised while the page is open; the teams tab shows the unacknowledged.
  const alertBanners = h('div', { class: 'banner-group', id: 'alert-banners' });
  document.body.append(h('div', { class: 'flash-banners' }, alertBanners, banners));
  const live = startLive(me.agency, banners, toast);
  const teamNames = new Map(base.teams.features.map((f) => [Number(f.id), String(f.properties?.name ?? f.id)]));
  const alerts = startAlerts(live, me.role, (id) => teamNames.get(id) ?? t('teams.team_n', { n: id }), alertBanners, toast);
  // Data entry only for the roles that may record events (analysts and
  // admins): a planner or viewer would see a form that can only fail.
  const canRecord = ['analyst', 'admin'].includes(me.role);
  const views: View[] = [hotspotsView(ctx), forecastView(ctx), sectorsView(ctx), patrolsView(ctx), teamsView(ctx, live, alerts), rulesView(ctx), reportView(ctx),
    ...(canRecord ? [entryView(ctx)] : []), inboxView(ctx, live), hitsView(ctx, live), networkView(ctx)];
  // Sharing agreements are managed by the agency's admins only.
  if (me.role === 'admin') views.push(sharingView(ctx), adminView(ctx));
  let active: View | null = null;

  const renderShell = (): void => {
    const c = live.counts();
    replace(tabs, views.map((v) => h('a', {
      href: `#${v.id}`, role: 'tab', class: v === active ? 'tab active' : 'tab', 'aria-selected': String(v === active), 'data-view': v.id,
    }, t(v.titleKey), v.id === 'inbox' ? [
      c.unread ? h('span', { class: 'badge', 'data-testid': 'nav-unread', title: t('msg.unread') }, String(c.unread)) : null,
      c.overdue_in + c.overdue_out ? h('span', { class: 'badge overdue', 'data-testid': 'nav-overdue', title: t('msg.overdue') }, String(c.overdue_in + c.overdue_out)) : null,
    ] : v.id === 'teams' && alerts.unacked() ? h('span', { class: 'badge overdue', 'data-testid': 'nav-alerts', title: t('alert.unacked') }, String(alerts.unacked())) : null)));
    const langSel = h('select', { id: 'lang', 'aria-label': t('common.language'), onchange: (e: Event) => setLang((e.target as HTMLSelectElement).value as Lang) },
      languages.map((l) => option(l, t(`lang.${l}`), l === currentLang())));
    replace(right,
      h('span', { class: 'muted small', id: 'offline-badge', title: t('settings.offline_note') }, tileSettings().enabled ? t('settings.online') : t('settings.offline')),
      h('span', { class: 'user', id: 'user', title: t('login.signed_in_as') }, me.actor, h('span', { class: 'muted small' }, ` · ${me.agency} · ${label('role', me.role)}`)),
      langSel,
      h('button', { class: 'btn icon', id: 'signout', title: t('login.signout'), onclick: () => { void api.logout().catch(() => undefined).then(() => location.reload()); } }, t('login.signout')),
      h('button', { class: 'btn icon', title: t('settings.title'), 'aria-label': t('settings.title'), onclick: () => { const d = settingsDialog(ctx); document.body.append(d); d.showModal(); } }, '⚙'));
  };

  const show = (): void => {
    const [id, ...rest] = (location.hash.replace(/^#\/?/, '') || 'hotspots').split('/');
    const arg = decodeURIComponent(rest.join('/'));
    const next = views.find((v) => v.id === id) ?? views[0];
    if (next !== active) {
      active?.deactivate();
      replace(legend);
      active = next;
      renderShell();
      panel.dataset.view = next.id;
      panel.scrollTop = 0;
      next.render(panel);
      next.activate();
    }
    if (arg) next.open?.(arg);
  };
  onLangChange(() => {
    document.title = t('app.title');
    // Messages shown in the previous language go.
    for (const el of overlay.querySelectorAll('.toast')) el.remove();
    renderShell();
    live.render();
    alerts.render();
    active?.render(panel);
  });
  live.onCounts(renderShell);
  alerts.onChange(renderShell);
  // What the map shows, for people and tests that read the page: the number
  // of rendered features of each view's main layer.
  const mapEl = document.getElementById('map')!;
  const rendered = (ids: string[]): number => {
    const have = ids.filter((id) => map.getLayer(id));
    if (!have.length) return 0;
    // A feature that crosses tile edges is returned once per tile: count
    // each id (or, for features without one, each set of properties) once.
    const seen = new Set<string>();
    map.queryRenderedFeatures({ layers: have }).forEach((f, i) => seen.add(`${f.layer.id}:${f.id ?? f.properties?.id ?? JSON.stringify(f.properties ?? i)}`));
    return seen.size;
  };
  map.on('render', () => { mapEl.dataset.idle = 'false'; });
  map.on('idle', () => {
    mapEl.dataset.idle = 'true';
    mapEl.dataset.bounds = map.getBounds().toArray().flat().map((v) => v.toFixed(3)).join(',');
    mapEl.dataset.renderedCells = String(rendered(['hs-cells-fill', 'hs-emerging-fill']));
    mapEl.dataset.renderedEvents = String(rendered(['hs-ev-points', 'hs-ev-clusters', 'en-ev-points']));
    mapEl.dataset.renderedSectors = String(rendered(['sec-fill']));
    mapEl.dataset.renderedForecast = String(rendered(['fc-fill']));
    mapEl.dataset.renderedRoutes = String(rendered(['pl-route']));
    mapEl.dataset.renderedStops = String(rendered(['pl-stop']));
    mapEl.dataset.renderedTeams = String(rendered(['tm-pos']));
    mapEl.dataset.renderedTeamStops = String(rendered(['tm-stop']));
  });
  window.addEventListener('hashchange', show);
  startA11y();
  document.title = t('app.title');
  show();
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  replace(panel, notice('error', errorText(e)));
});
