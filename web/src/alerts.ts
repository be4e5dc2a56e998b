// Alerts about the agency's teams (a team near or across the border line,
// in or out of a zone, immobile, silent on its shift, low on battery): the recent ones and the unacknowledged count for the
// navigation, kept current from the live stream, and a banner over every
// view for each alert raised while the page is open, until it is
// acknowledged or dismissed.
import * as api from './api';
import { errorText } from './app';
import { h, replace } from './dom';
import type { AlertEvent, Live } from './live';
import { dateTime, num, t } from './i18n';

/** Roles that may acknowledge an alert (the server enforces the same). */
const ACK_ROLES = ['analyst', 'planner', 'admin'];

/** Alerts is the agency's alert state, shared by the navigation and the views. */
export interface Alerts {
  /** recent are the newest alerts, newest first. */
  recent(): api.Alert[];
  /** unacked is the number of alerts not acknowledged. */
  unacked(): number;
  /** canAck reports whether the user may acknowledge alerts. */
  canAck: boolean;
  ack(id: number): Promise<void>;
  /** text describes an alert in the interface language. */
  text(a: api.Alert): string;
  /** onChange registers fn for each change of the alerts. */
  onChange(fn: () => void): void;
  /** render redraws the banners in the current language. */
  render(): void;
}

/** startAlerts loads the alerts and follows them on live; teamName names a team id. */
export function startAlerts(live: Live, role: string, teamName: (id: number) => string, banners: HTMLElement,
  toast: (m: string, k?: 'info' | 'error' | 'ok') => void): Alerts {
  let recent: api.Alert[] = [];
  let unacked = 0;
  const fns: (() => void)[] = [];
  // Alerts raised while the page is open and not yet acknowledged or dismissed.
  const banner = new Map<number, api.Alert>();
  const canAck = ACK_ROLES.includes(role);
  const changed = (): void => fns.forEach((fn) => fn());

  const text = (a: api.Alert): string => {
    const team = a.team_name || teamName(a.team);
    const d = a.detail ?? {};
    if (a.kind === 'border_near') return t('alert.border_near', { team, distance: num(d.distance_m), threshold: num(d.threshold_m) });
    if (a.kind === 'silent') return t('alert.silent', { team, min: num(d.limit_min) });
    const rule = String(d.rule_name ?? '');
    if (a.kind === 'zone_enter' || a.kind === 'zone_leave') return t(`alert.${a.kind}`, { team, rule });
    if (a.kind === 'border_cross') return t('alert.border_cross', { team, m: num(Number(d.outside_m)), country: String(d.country ?? '') });
    if (a.kind === 'immobile') return t('alert.immobile', { team, min: num(Number(d.still_min)), km: num(Number(d.from_base_m) / 1000, 1) });
    if (a.kind === 'battery_low') return t('alert.battery_low', { team, pct: num(Number(d.battery_pct)), threshold: num(Number(d.threshold_pct)) });
    return `${team}: ${a.kind}`;
  };

  const load = async (): Promise<void> => {
    try {
      const [r, u] = await Promise.all([api.alerts({ limit: 50 }), api.alerts({ unacked: true, limit: 1000 })]);
      recent = r;
      unacked = u.length;
      changed();
    } catch {
      // The alerts stay as they were; the next event tries again.
    }
  };
  let timer: number | undefined;
  const refresh = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void load(), 300);
  };

  const ack = async (id: number): Promise<void> => {
    try {
      await api.ackAlert(id);
      banner.delete(id);
      const a = recent.find((x) => x.id === id);
      if (a && !a.acked_at) {
        a.acked_at = new Date().toISOString();
        unacked = Math.max(0, unacked - 1);
      }
      toast(t('alert.acked'), 'ok');
      render();
      changed();
    } catch (e) {
      toast(errorText(e), 'error');
    }
    refresh();
  };

  const render = (): void => {
    replace(banners, [...banner.values()].map((a) => h('div', { class: 'flash-banner alert-banner', role: 'alert', 'data-testid': 'alert-banner', 'data-alert': String(a.id), 'data-kind': a.kind },
      h('strong', {}, text(a)), ' ',
      h('span', { class: 'small' }, dateTime(a.raised_at)), ' ',
      h('a', { class: 'btn', href: `#teams/${a.team}` }, t('alert.show')),
      canAck ? h('button', { class: 'btn primary', 'data-action': 'alert-ack', onclick: () => void ack(a.id) }, t('alert.ack')) : null,
      h('button', { class: 'btn icon', 'aria-label': t('alert.dismiss'), title: t('alert.dismiss'), onclick: () => { banner.delete(a.id); render(); } }, '×'))));
  };

  live.onAlert((e: AlertEvent) => {
    const { state: _state, ...a } = e;
    const i = recent.findIndex((x) => x.id === a.id);
    const name = i >= 0 ? recent[i].team_name : undefined;
    const merged: api.Alert = { ...a, team_name: name };
    if (i >= 0) recent[i] = merged;
    else recent = [merged, ...recent];
    if (e.state === 'raised') {
      if (i < 0) unacked++;
      banner.set(a.id, merged);
    } else if (e.state === 'acknowledged') {
      banner.delete(a.id);
    }
    render();
    changed();
    refresh();
  });
  // A dropped stream resumes where it stopped; the first opening starts now,
  // so the alerts raised before are read once it is open.
  let wasOpen = false;
  live.onCounts(() => {
    if (live.connected() && !wasOpen) refresh();
    wasOpen = live.connected();
  });
  void load();

  return {
    recent: () => recent,
    unacked: () => unacked,
    canAck,
    ack,
    text,
    onChange: (fn) => { fns.push(fn); },
    render,
  };
}
