// Report view: totals per agency, drug and period, reproducible from the
// records (the numbers of GET /api/report and `borderwatch report`), read
// period by period, and the same table as CSV.
import * as api from './api';
import { Ctx, DRUGS, View, fillSlots, notice, problemText, slot } from './app';
import { stackedBars } from './chart';
import { download, h, option, replace } from './dom';
import { kg, label, num, t } from './i18n';

const year = (d: string): string => d.slice(0, 4);

/** reportView builds the statistics report view. */
export function reportView(ctx: Ctx): View {
  const s = { from: year(ctx.eventRange.from), to: year(ctx.eventRange.to), by: 'year', agency: '' };
  let rep: api.Report | null = null;
  let err: unknown = null;
  let busy = false;
  let shownFor = '';
  let formEl: HTMLElement | null = null;
  let bodyEl: HTMLElement | null = null;

  const params = (): api.ReportParams => ({ from: s.from, to: s.to, by: s.by, agency: s.agency });

  /** drugsLine lists a row's kilograms (and litres) per drug, largest first. */
  const drugsLine = (r: api.ReportRow): string => {
    const parts = Object.entries(r.kg ?? {}).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1])
      .map(([d, v]) => `${label('drug', d)} ${kg(v)}`);
    for (const [d, v] of Object.entries(r.litres ?? {})) if (v > 0) parts.push(`${label('drug', d)} ${t('rep.litres', { n: num(v, 1) })}`);
    return parts.join(' · ');
  };

  const table = (rows: api.ReportRow[]): HTMLElement => h('table', { class: 'report-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('rep.agency')), h('th', { class: 'n' }, t('rep.seizures')), h('th', { class: 'n' }, t('rep.incidents')),
      h('th', { class: 'n' }, t('rep.kg')), h('th', { class: 'n', title: t('rep.joint_ops_title') }, t('rep.joint_ops')))),
    rows.map((r) => {
      const all = r.agency === '';
      return h('tbody', { class: all ? 'all' : '', 'data-agency': r.agency },
        h('tr', {},
          h('td', {}, all ? t('rep.all_agencies') : h('span', { title: r.agency_name }, r.agency)),
          h('td', { class: 'n' }, num(r.seizures)), h('td', { class: 'n' }, num(r.incidents)),
          h('td', { class: 'n', 'data-kg': String(r.total_kg) }, num(r.total_kg, 1)), h('td', { class: 'n' }, num(r.joint_operations))),
        drugsLine(r) ? h('tr', { class: 'drugs' }, h('td', { colspan: 5 }, drugsLine(r))) : null);
    }));

  /** charts draws the kilograms seized per period by drug and the events per period by agency. */
  const charts = (r: api.Report, periods: string[]): HTMLElement | null => {
    if (periods.length === 0) return null;
    const all = (p: string): api.ReportRow | undefined => r.rows.find((x) => x.period === p && x.agency === '');
    const agencies = [...new Set(r.rows.filter((x) => x.agency !== '').map((x) => x.agency))].sort();
    const byDrug = DRUGS.map((d) => ({ key: d, label: label('drug', d), values: periods.map((p) => all(p)?.kg?.[d] ?? 0) }));
    const byAgency = agencies.map((a) => ({
      key: a, label: r.rows.find((x) => x.agency === a)?.agency_name || a,
      values: periods.map((p) => { const x = r.rows.find((y) => y.period === p && y.agency === a); return x ? x.seizures + x.incidents : 0; }),
    }));
    const names = periods.map((p) => (p === 'total' ? t('rep.total') : p));
    return h('section', { class: 'report-charts' },
      stackedBars({ title: t('rep.chart_drug'), periods: names, series: byDrug, fmt: (v) => kg(v), otherLabel: t('rep.chart_other'), testid: 'chart-drug' }),
      stackedBars({ title: t('rep.chart_agency'), periods: names, series: byAgency, fmt: (v) => num(v), otherLabel: t('rep.chart_other_agencies'), testid: 'chart-agency' }));
  };

  const renderBody = (): void => {
    if (!bodyEl) return;
    const unplaced = err && formEl ? fillSlots(formEl, err) : [];
    if (!err && formEl) fillSlots(formEl, null);
    if (!rep) {
      replace(bodyEl, busy ? h('div', { class: 'busy' }, t('rep.loading')) : null, err ? notice('error', problemText(err, unplaced), 'report-error') : null);
      return;
    }
    // Periods in order, each with the all-agencies row first.
    const periods = [...new Set(rep.rows.map((r) => r.period))];
    replace(bodyEl,
      busy ? h('div', { class: 'busy' }, t('rep.loading')) : null,
      err ? notice('error', problemText(err, unplaced), 'report-error') : null,
      periods.length === 0 ? notice('info', t('rep.none'), 'report-empty') : charts(rep, periods),
      h('div', { 'data-testid': 'report' }, periods.map((p) => h('section', { class: 'report-period', 'data-period': p },
        h('h3', {}, p === 'total' ? t('rep.total') : p),
        table(rep!.rows.filter((r) => r.period === p).sort((a, b) => Number(b.agency === '') - Number(a.agency === '') || a.agency.localeCompare(b.agency)))))),
      h('p', { class: 'muted small' }, t('rep.definitions')));
  };

  // Only the answer to the latest request is shown.
  let seq = 0;
  const load = async (): Promise<void> => {
    const mine = ++seq;
    const p = params();
    busy = true;
    renderBody();
    try {
      const r = await api.report(p);
      if (mine !== seq) return;
      rep = r;
      err = null;
      shownFor = JSON.stringify(p);
    } catch (e) {
      if (mine !== seq) return;
      err = e;
      rep = null;
    }
    busy = false;
    renderBody();
  };

  const csv = async (): Promise<void> => {
    try {
      download(`report-${s.from}-${s.to}-${s.by}.csv`, await api.reportCSV(params()), 'text/csv');
    } catch (e) {
      err = e;
      renderBody();
    }
  };

  const render = (panel: HTMLElement): void => {
    const input = (id: string, key: 'from' | 'to'): HTMLElement => h('input', {
      type: 'text', id, 'data-param': key, value: s[key], inputmode: 'numeric', placeholder: 'YYYY',
      onchange: (e: Event) => { s[key] = (e.target as HTMLInputElement).value.trim(); },
    });
    formEl = h('section', { class: 'group' },
      h('div', { class: 'grid2' },
        h('label', { for: 'r-from' }, t('rep.period')),
        h('div', {}, h('div', { class: 'row' }, input('r-from', 'from'), '—', input('r-to', 'to')), slot('from', 'to')),
        h('label', { for: 'r-by' }, t('rep.by')),
        h('div', {}, h('select', { id: 'r-by', 'data-param': 'by', onchange: (e: Event) => { s.by = (e.target as HTMLSelectElement).value; } },
          ['year', 'quarter', 'month', 'total'].map((b) => option(b, t(`rep.by_${b}`), b === s.by))), slot('by')),
        h('label', { for: 'r-agency' }, t('filter.agency')),
        h('div', {}, h('select', { id: 'r-agency', 'data-param': 'agency', onchange: (e: Event) => { s.agency = (e.target as HTMLSelectElement).value; } },
          option('', t('filter.all'), !s.agency), ctx.agencies.map((a) => option(a, a, a === s.agency))), slot('agency'))),
      h('div', { class: 'row end' },
        h('button', { class: 'btn', id: 'r-csv', onclick: () => void csv() }, t('rep.csv')),
        h('button', { class: 'btn primary', id: 'r-show', onclick: () => void load() }, t('rep.show'))));
    bodyEl = h('div', { id: 'report-body' });
    replace(panel, h('h1', {}, t('rep.title')), h('p', { class: 'muted' }, t('rep.intro')), formEl, bodyEl);
    renderBody();
  };

  return {
    id: 'report',
    titleKey: 'tab.report',
    render,
    activate() {
      // The report has no map: the page gives it the whole width (styles.css).
      replace(ctx.legend);
      if (!rep || shownFor !== JSON.stringify(params())) void load();
    },
    deactivate() {},
  };
}
