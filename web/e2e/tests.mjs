// Browser end-to-end tests of the web client against a real server with the
// demo data (see run.sh). BASE_URL is the server, ARTIFACTS the folder for
// screenshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL;
const USER = process.env.E2E_USER ?? 'e2e';
const PASSWORD = process.env.E2E_PASSWORD ?? '';
const PARTNER_USER = process.env.E2E_PARTNER_USER ?? 'e2e-partner';
const PARTNER_PASSWORD = process.env.E2E_PARTNER_PASSWORD ?? '';
const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
if (!BASE_URL) throw new Error('BASE_URL is not set; run web/e2e/run.sh');
const origin = new URL(BASE_URL).origin;

let context;
let page;
let profile;
const consoleErrors = [];
const foreignRequests = [];
// The events' vector tiles the map fetched with content, as the page got them.
const eventTiles = [];

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** mapCount reads how many features of a kind the map renders (set on the map's idle event). */
async function mapCount(kind) {
  return Number((await page.locator('#map').getAttribute(`data-rendered-${kind}`)) ?? 0);
}

/** waitForMapCount waits until the map renders at least min features of a kind. */
async function waitForMapCount(kind, min, timeout = 30000) {
  await page.waitForFunction(([k, m]) => Number(document.getElementById('map')?.dataset[`rendered${k}`] ?? 0) >= m,
    [kind[0].toUpperCase() + kind.slice(1), min], { timeout });
}

async function openView(id) {
  await page.locator(`.tab[data-view="${id}"]`).click();
  await page.waitForSelector(`#panel[data-view="${id}"]`);
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text() + ' ' + JSON.stringify(m.location())); });
  page.on('pageerror', (e) => { consoleErrors.push('page error: ' + e.message); process.stderr.write(`[browser] ${e.stack ?? e.message}\n`); });
  page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  page.on('response', (r) => {
    if (r.url().includes('/collections/events/tiles/WebMercatorQuad/') && r.status() === 200) eventTiles.push(r);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) foreignRequests.push(u);
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('web client', () => {
  test('a wrong password is refused with a message', async () => {
    await page.goto(BASE_URL + '/');
    await page.waitForSelector('[data-testid=login]', { timeout: 30000 });
    await page.fill('#login-user', USER);
    await page.fill('#login-pass', 'not-the-password');
    await page.click('#login-submit');
    await page.waitForSelector('[data-testid=login-error]');
    await shot('login');
  });

  test('the page loads after sign-in with no console errors and asks no other host', async () => {
    // The sign-in page settles first; after sign-in the live stream stays
    // open, so the network never goes idle again: wait for what the first
    // screen shows instead.
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' });
    consoleErrors.length = 0;
    await page.fill('#login-user', USER);
    await page.fill('#login-pass', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await page.waitForSelector('[data-testid=events-count]', { timeout: 30000 });
    await page.waitForSelector('[data-testid=cells-summary], [data-testid=cells-error]', { timeout: 30000 });
    await waitForMapCount('events', 1);
    await shot('hotspots');
    assert.deepEqual(consoleErrors, [], 'console errors on load');
    assert.deepEqual(foreignRequests, [], 'requests to other hosts');
    assert.equal(await page.locator('.tab.active').innerText(), 'Hotspots');
  });

  test('the map draws the events from vector tiles, sent with the token', async () => {
    // The first screen drew events (the previous test waited for them), and
    // the map's only event source is the tiles.
    await waitForMapCount('events', 1);
    assert.ok(eventTiles.length > 0, 'the map fetched no events tile with content');
    const r = eventTiles[0];
    assert.equal(r.headers()['content-type'], 'application/vnd.mapbox-vector-tile');
    assert.ok((await r.body()).length > 0, 'an empty tile');
    assert.match(await r.request().headerValue('authorization') ?? '', /^Bearer /, 'tile request without the token');
    await shot('hotspots-event-tiles');
  });

  test('the hotspot layer renders Gi* cells for the demo data', async () => {
    await page.waitForSelector('[data-testid=cells-summary], [data-testid=cells-error]', { timeout: 30000 });
    const err = page.locator('[data-testid=cells-error]');
    assert.equal(await err.count(), 0, 'hotspot request failed: ' + (await err.count() ? await err.innerText() : ''));
    const cells = Number(await page.locator('[data-testid=cells-summary]').getAttribute('data-cells'));
    assert.ok(cells > 0, `the analysis returned ${cells} significant cells`);
    await waitForMapCount('cells', 1);
    const hot = await page.locator('[data-testid=gi-legend] .legend-row').first().locator('.legend-n').innerText();
    assert.notEqual(hot, '0', 'no 99 % hot spot cell in the legend');
    await shot('hotspots-cells');
  });

  test('a drug filter changes the events and hot spots shown', async () => {
    const before = Number(await page.locator('[data-testid=events-count]').getAttribute('data-matched'));
    assert.ok(before > 0, 'no events before filtering');
    const hotspotReq = page.waitForResponse((r) => r.url().includes('/api/hotspots?') && r.url().includes('drug=heroin'), { timeout: 30000 });
    const eventsReq = page.waitForResponse((r) => r.url().includes('/collections/events/items?') && r.url().includes('drug=heroin'), { timeout: 30000 });
    await page.selectOption('#f-drug', 'heroin');
    const ev = await eventsReq;
    assert.equal(ev.status(), 200);
    await page.waitForFunction((b) => {
      const el = document.querySelector('[data-testid=events-count]');
      return el && Number(el.getAttribute('data-matched')) !== b;
    }, before, { timeout: 30000 });
    const afterN = Number(await page.locator('[data-testid=events-count]').getAttribute('data-matched'));
    assert.ok(afterN < before, `heroin events ${afterN} not fewer than all events ${before}`);
    const hs = await hotspotReq;
    assert.equal(hs.status(), 200, 'hotspots with a drug filter');
    await shot('hotspots-heroin');
    await page.selectOption('#f-drug', '');
  });

  test('kernel density, DBSCAN clusters and emerging hot spots draw with their legends', async () => {
    const cellsReq = (method) => page.waitForResponse((r) => r.url().includes('/api/hotspots?') && r.url().includes(`method=${method}`), { timeout: 30000 });
    const kde = cellsReq('kde');
    await page.selectOption('#h-method', 'kde');
    assert.equal((await kde).status(), 200, 'kernel density');
    await page.waitForSelector('[data-testid=kde-legend] .legend-row', { timeout: 30000 });
    // A cell size the API refuses: its reason appears under the cell size field.
    const refused = page.waitForResponse((r) => r.url().includes('/api/hotspots?') && r.url().includes('cell_m=10&'), { timeout: 30000 });
    await page.fill('#h-cell', '10');
    await page.locator('#h-cell').dispatchEvent('change');
    assert.equal((await refused).status(), 400);
    await page.waitForSelector('#h-cell[aria-invalid=true] + [data-slot] [data-field-error=cell_m]', { timeout: 10000 });
    await page.fill('#h-cell', '5000');
    await page.locator('#h-cell').dispatchEvent('change');
    await page.waitForSelector('[data-testid=kde-legend] .legend-row', { timeout: 30000 });
    const clusters = page.waitForResponse((r) => r.url().includes('/api/clusters?'), { timeout: 30000 });
    await page.check('#show-clusters');
    assert.equal((await clusters).status(), 200, 'clusters');
    const emerging = page.waitForResponse((r) => r.url().includes('/api/hotspots/emerging?'), { timeout: 30000 });
    await page.check('#show-emerging');
    assert.equal((await emerging).status(), 200, 'emerging hot spots');
    await page.waitForSelector('[data-testid=emerging-legend] .legend-row', { timeout: 30000 });
    await page.waitForSelector('[data-testid=clusters-summary]', { timeout: 30000 });
    assert.equal(await page.locator('[data-testid$=-error]').count(), 0, 'an analysis failed');
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true', null, { timeout: 10000 });
    await shot('hotspots-kde-clusters-emerging');
    const gistar = cellsReq('gistar');
    await page.selectOption('#h-method', 'gistar');
    await gistar;
    await page.uncheck('#show-clusters');
    await page.uncheck('#show-emerging');
  });

  test('a patrol plan draws routes and its GPX download is valid', async () => {
    await openView('patrols');
    await shot('patrols-form');
    const teams = page.locator('#p-teams input[type=checkbox]');
    assert.ok(await teams.count() > 0, 'no teams listed (the demo creates them)');
    if (!(await teams.first().isChecked())) await teams.first().check();
    const planned = page.waitForResponse((r) => r.url().endsWith('/api/patrols/plan') && r.request().method() === 'POST', { timeout: 60000 });
    await page.click('#p-plan');
    const res = await planned;
    assert.equal(res.status(), 201, 'POST /api/patrols/plan');
    await page.waitForSelector('[data-testid=itinerary] ol.stops li', { timeout: 30000 });
    await waitForMapCount('routes', 1);
    assert.ok(await mapCount('stops') > 0, 'no numbered stops on the map');
    await shot('patrols');
    const dl = page.waitForEvent('download', { timeout: 30000 });
    await page.click('#dl-gpx');
    const file = await (await dl).path();
    const gpx = readFileSync(file, 'utf8');
    const check = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const count = (n) => doc.getElementsByTagNameNS('*', n).length;
      return { parseError: doc.getElementsByTagName('parsererror').length > 0, root: doc.documentElement.localName, rte: count('rte'), rtept: count('rtept'), trk: count('trk'), trkpt: count('trkpt') };
    }, gpx);
    assert.equal(check.parseError, false, 'GPX is not well-formed XML');
    assert.equal(check.root, 'gpx');
    assert.ok(check.rte > 0 && check.rtept > 0, 'GPX has no route with points');
    assert.ok(check.trk > 0 && check.trkpt > 0, 'GPX has no track with points');
    // The plan is for the next day's shift from 08:00; waypoints carry place names, not grid cells.
    assert.match(await page.locator('[data-testid=plan-shift]').innerText(), /08:00/, 'the plan does not show its shift');
    assert.doesNotMatch(gpx, /hot spot -?\d+,-?\d+/, 'a GPX waypoint is named after its grid cell');
    // One team's route close up: the numbered stops and the base apart.
    await page.locator('[data-testid=itinerary] .team-zoom').first().click();
    await page.waitForTimeout(300);
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true', null, { timeout: 10000 });
    await shot('patrols-team');
    const kml = page.waitForEvent('download', { timeout: 30000 });
    await page.click('#dl-kml');
    assert.match(readFileSync(await (await kml).path(), 'utf8'), /<kml[\s>][\s\S]*<Placemark/, 'KML has no placemark');
    // The new plan heads the agency's stored plans, and reopening it from
    // there draws the same routes again.
    const planId = (await res.json()).id;
    const entry = page.locator(`[data-testid=saved-plans] [data-plan-id="${planId}"]`);
    await entry.waitFor({ timeout: 10000 });
    assert.equal(await page.locator('[data-testid=saved-plans] [data-plan-id]').first().getAttribute('data-plan-id'), planId, 'the newest plan is not listed first');
    assert.match(await page.locator('[data-testid=saved-plans] li').first().innerText(), /e2e-admin/, 'the stored plan does not name its planner');
    const stops = await page.locator('[data-testid=itinerary] ol.stops li').count();
    const reopened = page.waitForResponse((r) => r.url().endsWith(`/api/plans/${planId}`) && r.request().method() === 'GET', { timeout: 30000 });
    await entry.click();
    assert.equal((await reopened).status(), 200, 'GET /api/plans/{id}');
    await page.waitForSelector('[data-testid=itinerary] ol.stops li', { timeout: 30000 });
    assert.equal(await page.locator('[data-testid=itinerary] ol.stops li').count(), stops, 'the reopened plan has another number of stops');
    await waitForMapCount('routes', 1);
    await entry.scrollIntoViewIfNeeded();
    await shot('patrols-saved');
  });

  test('the sector view shows the risk index of the demo data', async () => {
    await openView('sectors');
    await page.waitForSelector('[data-testid=sector-table], [data-testid=sectors-error]', { timeout: 30000 });
    const err = page.locator('[data-testid=sectors-error]');
    const errText = await err.count() ? await err.innerText() : '';
    await shot('sectors');
    assert.equal(errText, '', 'sector risk failed');
    assert.ok(await page.locator('[data-testid=sector-table] tbody tr').count() > 0, 'no sector rows');
    // The sector forecast fills its column beside the risk.
    await page.waitForSelector('[data-testid=sector-table] tbody td [data-forecast]', { timeout: 60000 });
    await waitForMapCount('sectors', 1);
    await page.locator('[data-testid=sector-table] tbody tr').first().click();
    await page.waitForSelector('[data-testid=side-by-side] [data-testid=sides-test]', { timeout: 30000 });
    await shot('sectors-side-by-side');
    const csv = page.waitForEvent('download', { timeout: 30000 });
    await page.click('#s-csv');
    const lines = readFileSync(await (await csv).path(), 'utf8').trim().split('\n');
    assert.match(lines[0], /^id,name,border,section,side,/, 'CSV header');
    assert.ok(lines.length > 1, 'CSV has no rows');
  });

  test('the forecast layer draws the next period and the backtest its hit-rate curve per method', async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/forecast?') && r.request().method() === 'GET', { timeout: 60000 });
    await openView('forecast');
    const res = await answered;
    assert.equal(res.status(), 200, 'GET /api/forecast');
    const fc = await res.json();
    assert.ok(fc.features.length > 0, 'the forecast has cells');
    await page.waitForSelector('[data-testid=forecast-summary]', { timeout: 60000 });
    await waitForMapCount('forecast', 1);
    await shot('forecast');
    const bt = page.waitForResponse((r) => r.url().includes('/api/forecast/backtest') && r.request().method() === 'GET', { timeout: 120000 });
    await page.click('#fc-backtest');
    const btRes = await bt;
    assert.equal(btRes.status(), 200, 'GET /api/forecast/backtest');
    const body = await btRes.json();
    await page.waitForSelector('[data-testid=backtest-curve]', { timeout: 120000 });
    assert.equal(await page.locator('[data-testid=backtest-curve] polyline').count(), body.methods.length, 'one curve per method');
    assert.equal(await page.locator('[data-testid=backtest-table] tbody tr').count(), body.methods.length, 'one row per method');
    await shot('forecast-backtest');
    // A reversed period is refused and shown next to its field.
    await page.fill('#fc-until', '2000-01-01');
    await page.dispatchEvent('#fc-until', 'change');
    await page.click('#fc-show');
    await page.waitForSelector('[data-field-error=until]', { timeout: 30000 });
  });

  test('the report shows totals per period that add up, and a bad year is shown next to its field', async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/report') && r.request().method() === 'GET', { timeout: 30000 });
    await openView('report');
    const res = await answered;
    assert.equal(res.status(), 200, 'GET /api/report');
    const rows = (await res.json()).rows;
    await page.waitForSelector('[data-testid=report] .report-period', { timeout: 30000 });
    await shot('report');
    const periods = await page.locator('[data-testid=report] .report-period').count();
    assert.equal(periods, new Set(rows.map((r) => r.period)).size, 'one section per period of the answer');
    // In every period the agencies' seizures add up to the all-agencies row.
    const sums = await page.evaluate(() => [...document.querySelectorAll('[data-testid=report] .report-period')].map((sec) => {
      const cell = (tb) => Number(tb.querySelector('td:nth-child(2)').textContent.replace(/\D/g, ''));
      const all = sec.querySelector('tbody[data-agency=""]');
      const parts = [...sec.querySelectorAll('tbody:not([data-agency=""])')].map(cell);
      return { period: sec.dataset.period, all: all ? cell(all) : -1, sum: parts.reduce((a, b) => a + b, 0) };
    }));
    for (const p of sums) assert.equal(p.sum, p.all, `period ${p.period}: agencies' seizures ${p.sum}, all agencies ${p.all}`);
    const total = rows.filter((r) => r.agency === '').reduce((a, r) => a + r.seizures, 0);
    assert.ok(total > 0, 'the demo data has seizures');
    const fromYear = await page.inputValue('#r-from');
    await page.fill('#r-from', '20x4');
    await page.dispatchEvent('#r-from', 'change');
    const bad = page.waitForResponse((r) => r.url().includes('/api/report') && r.request().method() === 'GET');
    await page.click('#r-show');
    assert.equal((await bad).status(), 400, 'a malformed year is refused');
    await page.waitForSelector('[data-field-error=from]', { timeout: 10000 });
    const csvDone = page.waitForEvent('download', { timeout: 30000 });
    await page.fill('#r-from', fromYear);
    await page.dispatchEvent('#r-from', 'change');
    await page.click('#r-csv');
    const lines = readFileSync(await (await csvDone).path(), 'utf8').trim().split('\n');
    assert.ok(lines.length > 1, 'report CSV has no rows');
  });

  test('data entry shows the API validation error next to its field, then saves', async () => {
    await openView('entry');
    await page.waitForSelector('[data-testid=entry-hint]');
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.45);
    await page.waitForSelector('#entry-form');
    await page.fill('[id="e-items[0].quantity"]', '-5');
    const rejected = page.waitForResponse((r) => r.url().endsWith('/collections/events/items') && r.request().method() === 'POST');
    await page.click('#e-save');
    assert.equal((await rejected).status(), 400);
    const err = page.locator('[data-field="items[0].quantity"] [data-field-error="items[0].quantity"]');
    await err.waitFor({ timeout: 10000 });
    assert.match(await err.innerText(), /0/);
    assert.equal(await page.getAttribute('[id="e-items[0].quantity"]', 'aria-invalid'), 'true');
    await shot('entry-error');
    // A date in the future and an implausible quantity: each reason next
    // to its field, and a box to confirm the quantity.
    await page.fill('#e-occurred_at', '2031-03-01T10:00');
    await page.dispatchEvent('#e-occurred_at', 'change');
    await page.fill('[id="e-items[0].quantity"]', '9999999');
    const refused = page.waitForResponse((r) => r.url().endsWith('/collections/events/items') && r.request().method() === 'POST');
    await page.click('#e-save');
    assert.equal((await refused).status(), 400);
    const dateErr = page.locator('[data-field="occurred_at"] [data-field-error="occurred_at"]');
    await dateErr.waitFor({ timeout: 10000 });
    assert.match(await dateErr.innerText(), /future/);
    assert.match(await err.innerText(), /confirm/);
    await page.locator('[id="e-items[0].confirmed_implausible"]').waitFor({ timeout: 10000 });
    await shot('entry-implausible');
    await page.fill('#e-occurred_at', '2024-03-01T10:00');
    await page.dispatchEvent('#e-occurred_at', 'change');
    await page.fill('[id="e-items[0].quantity"]', '12.5');
    const created = page.waitForResponse((r) => r.url().endsWith('/collections/events/items') && r.request().method() === 'POST');
    await page.click('#e-save');
    assert.equal((await created).status(), 201);
    await page.waitForSelector('#e-delete');
    assert.equal(await page.locator('[data-field-error]').count(), 0, 'errors left after a successful save');
    await shot('entry-saved');
  });

  test('the Russian switch changes the texts and the number format', async () => {
    await openView('hotspots');
    await page.waitForSelector('[data-testid=events-count]');
    await page.selectOption('#lang', 'ru');
    await page.waitForFunction(() => document.querySelector('.tab[data-view=hotspots]')?.textContent === 'Очаги');
    assert.equal(await page.locator('#panel h1').innerText(), 'Анализ очагов');
    assert.equal(await page.locator('.tab[data-view=entry]').innerText(), 'Ввод данных');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    const label = await page.locator('[data-testid=from-label]').innerText();
    assert.match(label, /[а-я]/, `month not in Russian: ${label}`);
    await shot('hotspots-ru');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.querySelector('.tab[data-view=hotspots]')?.textContent === 'Hotspots');
  });

  test('signing out revokes the token on the server and leaves none in the browser', async () => {
    const tok = await page.evaluate(() => sessionStorage.getItem('bw.token'));
    assert.ok(tok, 'no session token while signed in');
    assert.equal(await page.evaluate(() => localStorage.getItem('bw.token')), null, 'the token is kept beyond the session');
    // A reload keeps the session.
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await page.click('#signout');
    await page.waitForSelector('[data-testid=login]', { timeout: 30000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('bw.token') ?? localStorage.getItem('bw.token')), null);
    const status = await page.evaluate(async (t) => (await fetch('/api/me', { headers: { Authorization: `Bearer ${t}` } })).status, tok);
    assert.equal(status, 401, 'the signed-out token still answers /api/me');
  });

  async function signInAs(user, password) {
    if (await page.locator('#signout').count()) {
      await page.click('#signout');
    }
    await page.waitForSelector('[data-testid=login]', { timeout: 30000 });
    await page.fill('#login-user', user);
    await page.fill('#login-pass', password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
  }

  test('a wider agreement waits for the partner admin, who accepts it; coarser terms and revocation apply at once', async () => {
    page.on('dialog', (d) => void d.accept());
    consoleErrors.length = 0;
    await signInAs(USER, PASSWORD);
    await openView('sharing');
    const afRow = page.locator('[data-testid=share-agreements] [data-partner=af-border]');
    await afRow.waitFor();
    assert.match(await afRow.innerText(), /5,?000 m/, 'the demo BLO agreement coarsens to 5 km');
    // Propose exact values: a widening, so it waits.
    await page.selectOption('#sh-partner', 'af-border');
    await page.selectOption('#sh-time', '');
    await page.fill('#sh-m', '');
    await page.click('#sh-propose');
    await page.waitForSelector('[data-testid=share-proposals] [data-partner=af-border]');
    assert.equal(await page.locator('[data-testid=share-proposals] [data-action=accept]').count(), 0, 'the author is offered to accept its own proposal');
    assert.match(await afRow.innerText(), /5,?000 m/, 'the proposal took effect before the partner accepted');
    await shot('sharing-proposed');

    // The partner's admin sees it pending, in Russian too, and accepts it.
    await signInAs(PARTNER_USER, PARTNER_PASSWORD);
    await openView('sharing');
    const pending = page.locator('[data-testid=share-proposals] [data-partner=uz-border]');
    await pending.waitFor();
    assert.equal(await page.locator('[data-testid=share-pending-count]').innerText(), '1');
    await page.selectOption('#lang', 'ru');
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Соглашения об обмене');
    assert.equal(await pending.locator('[data-action=accept]').innerText(), 'Принять');
    await shot('sharing-pending-ru');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Sharing agreements');
    await pending.locator('[data-action=accept]').click();
    const uzRow = page.locator('[data-testid=share-agreements] [data-partner=uz-border]');
    await page.waitForFunction(() => /exact/.test(document.querySelector('[data-testid=share-agreements] [data-partner=uz-border]')?.textContent ?? ''));
    assert.equal(await page.locator('[data-testid=share-proposals]').count(), 0, 'the accepted proposal is still pending');

    // Coarser terms apply at once.
    await uzRow.locator('[data-action=narrow]').click();
    await page.fill('#sh-m', '10000');
    await page.selectOption('#sh-time', 'month');
    await page.click('#sh-propose');
    await page.waitForFunction(() => /10,?000 m/.test(document.querySelector('[data-testid=share-agreements] [data-partner=uz-border]')?.textContent ?? ''));
    // Revocation applies at once and shows in the history.
    await uzRow.locator('[data-action=revoke]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=share-agreements] [data-partner=uz-border]'));
    await page.waitForSelector('[data-testid=share-history] [data-action=revoked]');
    await shot('sharing-history');
    assert.deepEqual(consoleErrors.filter((e) => !/401/.test(e)), [], 'console errors');
  });
});
