// Interface texts (i18n/en.json, i18n/ru.json) and Intl formatting of
// numbers and dates for the current language.
import en from './i18n/en.json';
import ru from './i18n/ru.json';

export type Lang = 'en' | 'ru';
type Dict = Record<string, string>;

const dicts: Record<Lang, Dict> = { en, ru };
export const languages: Lang[] = ['en', 'ru'];

function initialLang(): Lang {
  const stored = localStorage.getItem('bw.lang');
  if (stored === 'en' || stored === 'ru') return stored;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

let lang: Lang = initialLang();
const listeners: (() => void)[] = [];

/** currentLang is the language the interface is shown in. */
export function currentLang(): Lang {
  return lang;
}

/** setLang switches the interface language and re-renders every listener. */
export function setLang(l: Lang): void {
  if (l === lang) return;
  lang = l;
  localStorage.setItem('bw.lang', l);
  document.documentElement.lang = l;
  for (const fn of listeners) fn();
}

/** onLangChange registers fn to run after each language switch. */
export function onLangChange(fn: () => void): void {
  listeners.push(fn);
}

/** t returns the text of key in the current language with {name} placeholders filled. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const s = dicts[lang][key] ?? dicts.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** tn is t for a text with a count n: it picks key.one, key.few, key.many or
 * key.other by the language's plural rules (falling back to key), and fills {n}. */
export function tn(key: string, n: number, params: Record<string, string | number> = {}): string {
  const form = `${key}.${new Intl.PluralRules(lang).select(n)}`;
  return t(form in dicts[lang] || form in dicts.en ? form : key, { n: num(n), ...params });
}

/** has reports whether key has a text. */
export function has(key: string): boolean {
  return key in dicts.en;
}

/** label translates a code such as a drug or a category: t(prefix.code), or the code itself. */
export function label(prefix: string, code: string | null | undefined): string {
  if (!code) return '';
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : code;
}

/** num formats n with at most digits fraction digits. */
export function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

/** sig formats n to two significant digits (densities, small rates). */
export function sig(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return new Intl.NumberFormat(lang, { maximumSignificantDigits: 2 }).format(n);
}

/** kg formats a mass in kilograms. */
export function kg(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilogram', maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
}

/** pct formats a fraction (0.25) as a percentage; signed, as a change, unless share is true. */
export function pct(f: number | null | undefined, digits = 0, share = false): string {
  if (f === null || f === undefined || Number.isNaN(f)) return '–';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: digits, signDisplay: share ? 'auto' : 'exceptZero' }).format(f);
}

/** date formats an ISO date or date-time as a date. */
export function date(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);
}

/** dateTime formats an ISO date-time with hours and minutes in the viewer's zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** time formats an ISO date-time as hours and minutes. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** month formats a month index (months since 1970-01) as "Mar 2021". */
export function month(m: number): string {
  const d = new Date(Date.UTC(1970, m, 1));
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(d);
}

document.documentElement.lang = lang;
