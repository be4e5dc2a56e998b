// The live side of the client: one stream (GET /api/stream) per tab,
// resumed with Last-Event-ID after a dropped connection. It carries the
// exchange (the unread and overdue counts shown in the navigation, and a
// banner for each flash message addressed to the agency until it is
// acknowledged), the hits (a toast when one is raised on the agency's
// records or released to it, and the hits list) and the teams' positions
// and alerts, which it hands on.
import * as api from './api';
import { errorText } from './app';
import { h, replace } from './dom';
import { dateTime, label, t } from './i18n';

/** MessageEvent is the payload of a message or message_state stream event. */
export interface MessageEvent {
  message_id: number;
  thread_id: number;
  kind: api.Message['kind'];
  urgency: api.Message['urgency'];
  author_agency: string;
  recipient: string;
  state: api.Delivery['state'] | 'overdue';
  at: string;
  by?: string;
  created_at: string;
}

/** PositionEvent is the payload of a position stream event. */
export interface PositionEvent {
  id: number;
  team: number;
  agency: string;
  fix_time: string;
  lon: number;
  lat: number;
  speed_mps: number | null;
  bearing_deg: number | null;
  accuracy_m: number | null;
  battery_pct: number | null;
  source: string;
  flags: string[] | null;
}

/** AlertEvent is the payload of an alert stream event: an alert raised or acknowledged. */
export interface AlertEvent extends api.Alert {
  state: 'raised' | 'acknowledged';
}

/** HitEvent is the payload of a hit stream event: a hit raised, or released to the lookout's author. */
export interface HitEvent extends Omit<api.Hit, 'id'> {
  hit_id: number;
  state: 'hit' | 'released';
}

/** Live follows the stream for the views. */
export interface Live {
  counts(): api.MessageCounts;
  /** connected reports whether the stream is open now. */
  connected(): boolean;
  /** onMessage registers fn for each message and message_state event. */
  onMessage(fn: (e: MessageEvent, type: string) => void): void;
  /** onPosition registers fn for each position event. */
  onPosition(fn: (e: PositionEvent) => void): void;
  /** onHit registers fn for each hit event. */
  onHit(fn: (e: HitEvent) => void): void;
  /** onAlert registers fn for each alert event. */
  onAlert(fn: (e: AlertEvent) => void): void;
  /** onCounts registers fn for each change of the counts or the connection. */
  onCounts(fn: () => void): void;
  /** refresh reloads the counts and the flash banners (after a change made here). */
  refresh(): void;
  /** render redraws the banners in the current language. */
  render(): void;
}

const needsAck = (d: api.Delivery | undefined): boolean => !!d && d.state !== 'acknowledged' && d.state !== 'answered';

/** startLive opens the stream for agency and keeps it open. */
export function startLive(agency: string, banners: HTMLElement, toast: (m: string, k?: 'info' | 'error' | 'ok') => void): Live {
  let counts: api.MessageCounts = { unread: 0, overdue_in: 0, overdue_out: 0 };
  let open = false;
  const msgFns: ((e: MessageEvent, type: string) => void)[] = [];
  const posFns: ((e: PositionEvent) => void)[] = [];
  const alertFns: ((e: AlertEvent) => void)[] = [];
  const hitFns: ((e: HitEvent) => void)[] = [];
  const countFns: (() => void)[] = [];
  // Flash messages addressed to the agency and not yet acknowledged.
  const flashes = new Map<number, { author: string; kind: string; at: string }>();
  const changed = (): void => countFns.forEach((fn) => fn());

  const ack = async (id: number): Promise<void> => {
    try {
      await api.ackMessage(id);
      flashes.delete(id);
      render();
      refresh();
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };

  const render = (): void => {
    replace(banners, [...flashes].map(([id, f]) => h('div', { class: 'flash-banner', role: 'alert', 'data-testid': 'flash-banner', 'data-message': String(id) },
      h('strong', {}, t('msg.flash_banner', { agency: f.author, kind: label('msg.kind', f.kind) })), ' ',
      h('span', { class: 'small' }, dateTime(f.at)), ' ',
      h('a', { class: 'btn', href: `#inbox/${id}` }, t('msg.open')),
      h('button', { class: 'btn primary', 'data-action': 'ack', onclick: () => void ack(id) }, t('msg.ack')))));
  };

  let timer: number | undefined;
  const refresh = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      try {
        const box = await api.messages('inbox', 100);
        counts = box.counts;
        flashes.clear();
        for (const m of box.messages) {
          if (m.urgency === 'flash' && needsAck(m.deliveries.find((d) => d.agency === agency))) flashes.set(m.id, { author: m.author_agency, kind: m.kind, at: m.created_at });
        }
        render();
        changed();
      } catch {
        // The counts stay as they were; the next event tries again.
      }
    }, 150);
  };

  const run = async (): Promise<void> => {
    let lastId = '';
    let delay = 1000;
    for (;;) {
      const ctl = new AbortController();
      try {
        const r = await api.follow('message,message_state,position,alert,hit', lastId, (ev) => {
          lastId = ev.id || lastId;
          if (ev.type === 'position') {
            posFns.forEach((fn) => fn(ev.data as PositionEvent));
            return;
          }
          if (ev.type === 'hit') {
            const e = ev.data as HitEvent;
            toast(e.agency === agency ? t('hits.toast_ours', { kind: label('ent.kind', e.kind), id: e.message_id, agency: e.author_agency })
              : t('hits.toast_theirs', { id: e.message_id, agency: e.agency }), 'info');
            hitFns.forEach((fn) => fn(e));
            return;
          }
          if (ev.type === 'alert') {
            alertFns.forEach((fn) => fn(ev.data as AlertEvent));
            return;
          }
          const e = ev.data as MessageEvent;
          if (e.urgency === 'flash' && e.recipient === agency) {
            if (ev.type === 'message') flashes.set(e.message_id, { author: e.author_agency, kind: e.kind, at: e.created_at });
            if (e.state === 'acknowledged' || e.state === 'answered') flashes.delete(e.message_id);
            render();
          }
          msgFns.forEach((fn) => fn(e, ev.type));
          refresh();
        }, () => { open = true; delay = 1000; changed(); refresh(); }, ctl.signal);
        lastId = r.lastId;
        delay = r.retryMs;
      } catch (e) {
        if (e instanceof api.ApiError && e.status === 401) return;
        delay = Math.min(delay * 2, 30000);
      }
      open = false;
      changed();
      await new Promise((res) => setTimeout(res, delay));
    }
  };
  void run();
  refresh();

  return {
    counts: () => counts,
    connected: () => open,
    onMessage: (fn) => { msgFns.push(fn); },
    onPosition: (fn) => { posFns.push(fn); },
    onAlert: (fn) => { alertFns.push(fn); },
    onHit: (fn) => { hitFns.push(fn); },
    onCounts: (fn) => { countFns.push(fn); },
    refresh,
    render,
  };
}
