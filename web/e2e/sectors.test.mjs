// Browser tests of the sector view and the report (see run.sh): the
// comparison shows before and after with the meaning of its marker, the
// default comparison is the period of equal length just before, ranks are
// within what is shown with empty sectors last, the map goes to the chosen
// border, a failed calculation leaves nothing of the previous one, and the
// report draws its charts without a map, in English and Russian.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openView, setLang, shot, signIn, waitIdle } from './lib.mjs';

let b;
let page;

before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page, process.env.E2E_USER, process.env.E2E_PASSWORD);
});

after(async () => { await b?.close(); });

const days = (a, z) => Math.round((Date.parse(z) - Date.parse(a)) / 86400000) + 1;
const bounds = async () => (await page.locator('#map').getAttribute('data-bounds')).split(',').map(Number);

/** calculate presses Calculate and returns the sector risk answer. */
async function calculate() {
  const res = page.waitForResponse((r) => r.url().includes('/api/sectors/risk?'), { timeout: 120000 });
  await page.click('#s-load');
  return res;
}

describe('sector view', () => {
  test('the default comparison is the period of equal length just before, and follows the period', async () => {
    const first = page.waitForResponse((r) => r.url().includes('/api/sectors/risk?'), { timeout: 120000 });
    await openView(page, 'sectors');
    const res = await first;
    assert.equal(res.status(), 200);
    const [from, to, cfrom, cto] = await Promise.all(['#s-from', '#s-to', '#s-cfrom', '#s-cto'].map((s) => page.inputValue(s)));
    assert.equal(days(cto, from), 2, `comparison ends ${cto}, period starts ${from}`);
    assert.equal(days(cfrom, cto), days(from, to), `period ${from}–${to}, comparison ${cfrom}–${cto}`);
    await page.fill('#s-from', '2023-07-01');
    await page.dispatchEvent('#s-from', 'change');
    const [f2, t2, c2, d2] = await Promise.all(['#s-from', '#s-to', '#s-cfrom', '#s-cto'].map((s) => page.inputValue(s)));
    assert.equal(d2, '2023-06-30');
    assert.equal(days(c2, d2), days(f2, t2), `period ${f2}–${t2}, comparison ${c2}–${d2}`);
    await page.fill('#s-from', from);
    await page.dispatchEvent('#s-from', 'change');
  });

  test('each row shows the events before and after, the change, and a note says what the marker means', async () => {
    const res = await calculate();
    const fc = await res.json();
    await page.waitForSelector('[data-testid=sector-table] tbody tr');
    const top = fc.features[0].properties;
    const cell = page.locator('[data-testid=sector-table] tbody tr').first().locator('[data-before]');
    assert.equal(await cell.getAttribute('data-before'), String(top.events_before));
    assert.equal(await cell.getAttribute('data-after'), String(top.events));
    assert.match(await cell.innerText(), /→/);
    const note = await page.locator('[data-testid=change-note]').innerText();
    assert.match(note, /\*/, 'the note explains the marker');
    assert.match(note, /p < 0.05/);
    const sig = fc.features.filter((f) => ['increase', 'decrease'].includes(f.properties.events_change)).length;
    assert.equal(await page.locator('[data-testid=sector-table] .sig-mark').count(), sig, 'one marker per significant change');
    await shot(page, 'sectors-change');
  });

  test('choosing a border zooms the map to it; ranks are within the border, sectors without events last', async () => {
    await waitIdle(page);
    const wide = await bounds();
    await page.selectOption('#s-pair', { index: 1 });
    const pair = await page.inputValue('#s-pair');
    await page.waitForFunction((w) => {
      const b = (document.getElementById('map').dataset.bounds ?? '').split(',').map(Number);
      return document.getElementById('map').dataset.idle === 'true' && b[2] - b[0] < (w[2] - w[0]) * 0.8;
    }, wide, { timeout: 120000 });
    const res = await calculate();
    const fc = await res.json();
    assert.ok(fc.features.length > 0, `no sectors on ${pair}`);
    const ranks = fc.features.map((f) => f.properties.rank);
    assert.equal(Math.min(...ranks), 1, `ranks on ${pair}: ${ranks}`);
    assert.ok(Math.max(...ranks) <= fc.features.length, `ranks on ${pair} go beyond the ${fc.features.length} sectors shown`);
    const withEvents = fc.features.filter((f) => f.properties.events > 0).map((f) => f.properties.rank);
    const without = fc.features.filter((f) => f.properties.events === 0).map((f) => f.properties.rank);
    if (withEvents.length && without.length) assert.ok(Math.min(...without) > Math.max(...withEvents), 'a sector without events ranks above one with events');
    const firstRank = await page.locator('[data-testid=sector-table] tbody tr').first().locator('td').first().innerText();
    assert.equal(firstRank, '1');
    await waitIdle(page);
    const [w, s, e, n] = await bounds();
    assert.ok(e - w < wide[2] - wide[0], 'the map did not zoom in on the border');
    await shot(page, 'sectors-border');
  });

  test('a failed calculation clears the previous table, map and selection', async () => {
    await page.locator('[data-testid=sector-table] tbody tr').first().click();
    await page.waitForSelector('[data-testid=side-by-side]');
    await page.fill('#s-from', '2024-05-01');
    await page.fill('#s-to', '2024-01-01');
    await page.dispatchEvent('#s-to', 'change');
    const res = await calculate();
    assert.equal(res.status(), 400);
    await page.waitForSelector('[data-testid=sectors-error]');
    assert.equal(await page.locator('[data-testid=side-by-side]').count(), 0, 'the old selection is still shown');
    assert.equal(await page.locator('[data-testid=sector-table]').count(), 0, 'the old table is still shown');
    await waitIdle(page);
    assert.equal(Number(await page.locator('#map').getAttribute('data-rendered-sectors')), 0, 'the old sectors are still drawn');
    await shot(page, 'sectors-failed');
  });

  test('the comparison note reads in Russian', async () => {
    await page.selectOption('#s-pair', '');
    await page.fill('#s-from', '2023-01-01');
    await page.fill('#s-to', '2023-12-31');
    await page.dispatchEvent('#s-to', 'change');
    assert.equal((await calculate()).status(), 200);
    await setLang(page, 'ru');
    const note = await page.locator('[data-testid=change-note]').innerText();
    assert.match(note, /точный тест Пуассона/);
    await shot(page, 'sectors-ru');
    await setLang(page, 'en');
  });
});

describe('report', () => {
  test('the report draws totals per period by drug and by agency, without a map', async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/report') && r.request().method() === 'GET', { timeout: 180000 });
    await openView(page, 'report');
    const rep = await (await answered).json();
    await page.waitForSelector('[data-testid=chart-drug] rect');
    assert.ok(await page.locator('#map').isHidden(), 'the report still shows the map');
    const periods = [...new Set(rep.rows.map((r) => r.period))];
    // The drug chart's parts add up to each period's kilograms.
    const drawn = await page.locator('[data-testid=chart-drug] rect').evaluateAll((els) => els.map((e) => [e.dataset.period, Number(e.dataset.value)]));
    for (const p of periods) {
      const all = rep.rows.find((r) => r.period === p && r.agency === '');
      const kg = Object.values(all.kg ?? {}).reduce((a, v) => a + v, 0);
      const sum = drawn.filter(([q]) => q === p).reduce((a, [, v]) => a + v, 0);
      assert.ok(Math.abs(sum - kg) < 1e-6 * Math.max(1, kg), `period ${p}: chart ${sum} kg, report ${kg} kg`);
    }
    const agencyParts = await page.locator('[data-testid=chart-agency] rect').count();
    assert.ok(agencyParts > 0, 'no bars by agency');
    const intro = await page.locator('#panel > p.muted').first().innerText();
    assert.doesNotMatch(intro, /\/api\/|borderwatch report/, 'the introduction speaks of the API');
    await shot(page, 'report-charts');
  });

  test('the report reads in Russian', async () => {
    await setLang(page, 'ru');
    assert.equal(await page.locator('[data-testid=chart-drug] figcaption').innerText(), 'Изъято за период, по видам наркотиков');
    await shot(page, 'report-ru');
    await setLang(page, 'en');
    await openView(page, 'hotspots');
    assert.ok(await page.locator('#map').isVisible(), 'the map does not come back after the report');
  });

  test('no console errors', () => {
    // Chromium logs the 400 the reversed period was refused with; nothing else may appear.
    assert.deepEqual(b.errors.filter((e) => !/status of 400 .*\/api\/sectors\/risk/.test(e)), []);
  });
});
