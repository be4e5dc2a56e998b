// What the views share: the map, the reference data, the event time range,
// and how errors and notices are shown.
import type { Map as MLMap } from 'maplibre-gl';
import { ApiError } from './api';
import type { Basemap } from './map';
import { h } from './dom';
import { t } from './i18n';

/** Ctx is handed to every view. */
export interface Ctx {
  map: MLMap;
  base: Basemap;
  /** eventRange is the first and last day with events (YYYY-MM-DD). */
  eventRange: { from: string; to: string };
  /** agencies are the agency ids known from offices, teams and events. */
  agencies: string[];
  /** me is the signed-in user (or token): agency and role. */
  me: { agency: string; role: string; actor: string };
  /** legend is the box over the map where the active view explains its colours. */
  legend: HTMLElement;
  toast(message: string, kind?: 'info' | 'error' | 'ok'): void;
}

/** View is one tab of the client. */
export interface View {
  id: string;
  titleKey: string;
  /** render (re)builds the panel content in the current language. */
  render(panel: HTMLElement): void;
  /** activate shows the view's map layers and loads what it needs. */
  activate(): void;
  /** deactivate hides the view's map layers. */
  deactivate(): void;
  /** open shows the item the address names after the view id (#entry/ID). */
  open?(arg: string): void;
}

/** errorText explains a failed request in the interface language. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.missing) return t('error.missing', { endpoint: e.endpoint });
    if (e.status === 0) return t('error.network');
    if (e.status === 429) return t('error.rate');
    if (e.status === 403) return `${t('error.forbidden')}${e.detail ? ' (' + e.detail + ')' : ''}`;
    const params = e.params.map((p) => `${p.name}: ${p.reason}`).join('; ');
    return `${e.title}${e.detail && !params ? ': ' + e.detail : ''}${params ? ' — ' + params : ''} (HTTP ${e.status})`;
  }
  return (e as Error)?.message ?? String(e);
}

/** slot is a place next to a form field for the API's errors about the
 * request parameters it names (problem+json invalid_params). */
export function slot(...names: string[]): HTMLElement {
  return h('div', { class: 'field-errors', 'data-slot': names.join(',') });
}

/** fillSlots shows each of e's invalid_params in the slot under root that
 * names it, and marks the inputs with a data-param of that name invalid. It
 * returns the parameters that have no slot. */
export function fillSlots(root: ParentNode, e: unknown): { name: string; reason: string }[] {
  const params = e instanceof ApiError ? e.params : [];
  const placed = new Set<string>();
  for (const el of root.querySelectorAll<HTMLElement>('[data-slot]')) {
    const names = (el.dataset.slot ?? '').split(',');
    const mine = params.filter((p) => names.includes(p.name));
    mine.forEach((p) => placed.add(p.name));
    el.replaceChildren(...mine.map((p) => h('div', { class: 'field-error', 'data-field-error': p.name, role: 'alert' }, p.reason)));
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-param]')) {
    if (placed.has(el.dataset.param ?? '')) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
  return params.filter((p) => !placed.has(p.name));
}

/** problemText explains a failed request whose field errors are shown next to their fields. */
export function problemText(e: unknown, unplaced: { name: string; reason: string }[]): string {
  if (e instanceof ApiError && e.params.length > 0 && unplaced.length === 0) return `${e.title} (HTTP ${e.status}): ${t('error.see_fields')}`;
  return errorText(e);
}

/** notice builds a message box; kind error is also announced to screen readers. */
export function notice(kind: 'info' | 'error' | 'warn', text: string, testid?: string): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': testid }, text);
}

/** isAbort reports whether e is the cancellation of a superseded request. */
export function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/** today is the current date as YYYY-MM-DD. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** addDays shifts a YYYY-MM-DD date. */
export function addDays(d: string, n: number): string {
  const x = new Date(d + 'T00:00:00Z');
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
}

/** The API's vocabularies (data.Drugs, data.Categories, …). */
export const KINDS = ['seizure', 'incident'];
export const DRUGS = ['heroin', 'opium', 'morphine', 'hashish', 'cannabis', 'methamphetamine', 'precursors', 'other'];
export const CATEGORIES = ['trafficking_attempt', 'armed_clash', 'border_violation', 'arrest', 'intelligence_report', 'other'];
export const SHARING = ['agency', 'bilateral', 'regional'];
export const PRECISIONS = ['exact', 'day', 'month', 'year'];
export const UNITS = ['kg', 'l'];
export const QUALIFIERS = ['exact', 'about', 'more_than'];

/** monthIndex is the number of months since 1970-01 of a YYYY-MM-DD date. */
export function monthIndex(d: string): number {
  return (Number(d.slice(0, 4)) - 1970) * 12 + Number(d.slice(5, 7)) - 1;
}

/** monthStart is the first day of month index m. */
export function monthStart(m: number): string {
  return new Date(Date.UTC(1970, m, 1)).toISOString().slice(0, 10);
}

/** monthEnd is the last day of month index m. */
export function monthEnd(m: number): string {
  return new Date(Date.UTC(1970, m + 1, 0)).toISOString().slice(0, 10);
}
