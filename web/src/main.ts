// Entry point: the app shell (tabs, language, settings), the shared map and
// the four views, switched by the address's hash (#hotspots, #sectors, …).
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles.css';
import * as api from './api';
import { Ctx, View, errorText, notice } from './app';
import { h, option, replace } from './dom';
import { currentLang, languages, onLangChange, setLang, t, type Lang } from './i18n';
import { applyTileSettings, createMap, loadBasemap, tileSettings, whenLoaded } from './map';
import { hotspotsView } from './hotspots';
import { sectorsView } from './sectors';
import { patrolsView } from './patrols';
import { entryView } from './entry';

const tabs = document.getElementById('tabs')!;
const right = document.getElementById('topbar-right')!;
const panel = document.getElementById('panel')!;
const overlay = document.getElementById('map-overlay')!;

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
  const dlg = h('dialog', { class: 'dialog' },
    h('form', { method: 'dialog' },
      h('h2', {}, t('settings.title')),
      h('p', { class: 'muted' }, t('settings.offline_note')),
      h('label', { class: 'check' }, enabled, t('settings.tiles_enable')),
      h('label', { for: 'tiles-url' }, t('settings.tiles_url')), urlIn,
      h('label', { for: 'tiles-attr' }, t('settings.tiles_attribution')), attr,
      h('div', { class: 'row end' },
        h('button', { value: 'cancel', class: 'btn' }, t('common.cancel')),
        h('button', {
          value: 'ok', class: 'btn primary', onclick: () => {
            applyTileSettings(ctx.map, { enabled: enabled.checked, url: urlIn.value.trim(), attribution: attr.value.trim() });
          },
        }, t('common.save')))));
  dlg.addEventListener('close', () => dlg.remove());
  return dlg;
}

async function main(): Promise<void> {
  const map = createMap(document.getElementById('map')!);
  replace(panel, h('div', { class: 'loading' }, t('common.loading')));
  await whenLoaded(map);
  let base;
  try {
    base = await loadBasemap(map);
  } catch (e) {
    replace(panel, notice('error', t('error.basemap') + ' ' + errorText(e), 'basemap-error'));
    return;
  }
  applyTileSettings(map, tileSettings());
  let eventRange = { from: '2000-01-01', to: new Date().toISOString().slice(0, 10) };
  try {
    const info = await api.collectionInfo('events');
    const iv = info.extent?.temporal?.interval?.[0];
    if (iv?.[0] && iv?.[1]) eventRange = { from: iv[0].slice(0, 10), to: iv[1].slice(0, 10) };
  } catch (e) {
    toast(errorText(e), 'error');
  }
  const agencies = new Set<string>();
  for (const fc of [base.offices, base.teams]) for (const f of fc.features) if (f.properties?.agency) agencies.add(String(f.properties.agency));
  const ctx: Ctx = { map, base, eventRange, agencies: [...agencies].sort(), toast };

  const views: View[] = [hotspotsView(ctx), sectorsView(ctx), patrolsView(ctx), entryView(ctx)];
  let active: View | null = null;

  const renderShell = (): void => {
    replace(tabs, views.map((v) => h('a', {
      href: `#${v.id}`, role: 'tab', class: v === active ? 'tab active' : 'tab', 'aria-selected': String(v === active), 'data-view': v.id,
    }, t(v.titleKey))));
    const langSel = h('select', { id: 'lang', 'aria-label': t('common.language'), onchange: (e: Event) => setLang((e.target as HTMLSelectElement).value as Lang) },
      languages.map((l) => option(l, t(`lang.${l}`), l === currentLang())));
    replace(right,
      h('span', { class: 'muted small', id: 'offline-badge', title: t('settings.offline_note') }, tileSettings().enabled ? t('settings.online') : t('settings.offline')),
      langSel,
      h('button', { class: 'btn icon', title: t('settings.title'), 'aria-label': t('settings.title'), onclick: () => { const d = settingsDialog(ctx); document.body.append(d); d.showModal(); } }, '⚙'));
  };

  const show = (): void => {
    const [id, ...rest] = (location.hash.replace(/^#\/?/, '') || 'hotspots').split('/');
    const arg = decodeURIComponent(rest.join('/'));
    const next = views.find((v) => v.id === id) ?? views[0];
    if (next !== active) {
      active?.deactivate();
      active = next;
      renderShell();
      panel.dataset.view = next.id;
      next.render(panel);
      next.activate();
    }
    if (arg) next.open?.(arg);
  };
  onLangChange(() => {
    document.title = t('app.title');
    renderShell();
    active?.render(panel);
  });
  window.addEventListener('hashchange', show);
  document.title = t('app.title');
  show();
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  replace(panel, notice('error', errorText(e)));
});
