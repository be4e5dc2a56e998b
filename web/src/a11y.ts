// Keyboard and screen-reader support of the app shell, kept apart from the
// views: a skip link to the panel; the view tabs as a WAI-ARIA tab list
// (one tab in the tab order, arrow keys, Home and End move between tabs and
// open them, the panel is the tab panel labelled by its tab); list rows
// that open something on click (sector rows, itinerary stops, saved plans)
// reachable with Tab and opened with Enter or Space, ArrowUp/ArrowDown
// moving between rows.
import { h } from './dom';
import { onLangChange, t } from './i18n';
import './a11y.css';

/** KEY_ROWS select the rows that act on click and get keyboard access. */
export const KEY_ROWS = [
  '[data-testid=sector-table] tbody tr',
  '[data-testid=itinerary] ol.stops li',
].join(', ');

/** startA11y adds the skip link and the tab and row keyboard handling. */
export function startA11y(): void {
  const tabs = document.getElementById('tabs');
  const panel = document.getElementById('panel');
  if (!tabs || !panel) return;
  skipLink(panel);
  tabList(tabs, panel);
  keyRows(panel);
}

function skipLink(panel: HTMLElement): void {
  panel.tabIndex = -1;
  // The address's hash names the view, so the link moves focus itself.
  const skip = h('a', {
    class: 'skip-link', id: 'skip-link', href: '#panel',
    onclick: (e: Event) => { e.preventDefault(); panel.focus(); },
  }, t('a11y.skip'));
  document.body.prepend(skip);
  onLangChange(() => { skip.textContent = t('a11y.skip'); });
}

function tabList(tabs: HTMLElement, panel: HTMLElement): void {
  tabs.setAttribute('aria-label', t('a11y.views'));
  panel.setAttribute('role', 'tabpanel');
  let focusSelected = false;
  const all = (): HTMLElement[] => [...tabs.querySelectorAll<HTMLElement>('[role=tab]')];
  const decorate = (): void => {
    tabs.setAttribute('aria-label', t('a11y.views'));
    for (const el of all()) {
      const selected = el.getAttribute('aria-selected') === 'true';
      if (!el.id) el.id = `tab-${el.dataset.view ?? ''}`;
      el.tabIndex = selected ? 0 : -1;
      el.setAttribute('aria-controls', 'panel');
      if (selected) {
        panel.setAttribute('aria-labelledby', el.id);
        if (focusSelected) el.focus();
      }
    }
    focusSelected = false;
  };
  new MutationObserver(decorate).observe(tabs, { childList: true });
  decorate();
  tabs.addEventListener('keydown', (e: KeyboardEvent) => {
    const list = all();
    const i = list.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const n = list.length;
    const next = ({ ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1, ' ': i, Enter: i } as Record<string, number>)[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const target = list[next];
    // Automatic activation: the tab that gets focus opens its view. The
    // shell draws the tabs anew, so the new selected tab takes the focus.
    focusSelected = true;
    target.focus();
    const href = target.getAttribute('href') ?? '';
    if (href && location.hash !== href) location.hash = href;
    else focusSelected = false;
  });
}

function keyRows(panel: HTMLElement): void {
  const mark = (): void => {
    for (const el of panel.querySelectorAll<HTMLElement>(KEY_ROWS)) {
      if (!el.hasAttribute('tabindex')) el.tabIndex = 0;
    }
  };
  new MutationObserver(mark).observe(panel, { childList: true, subtree: true });
  mark();
  panel.addEventListener('keydown', (e: KeyboardEvent) => {
    const row = (e.target as HTMLElement).closest?.<HTMLElement>(KEY_ROWS);
    if (!row || row !== e.target) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      row.click();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const sib = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (sib instanceof HTMLElement && sib.matches(KEY_ROWS)) {
        e.preventDefault();
        sib.focus();
      }
    }
  });
}
