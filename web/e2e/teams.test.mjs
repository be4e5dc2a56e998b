// Browser tests of the teams view (see run.sh, which registers the device
// E2E_DEVICE for the uz-border team E2E_TEAM): positions sent as OsmAnd
// sends them move the team on the open page without a reload, and a fix at
// a border line raises an alert that arrives live, is acknowledged by an
// administrator and shown without the button to a viewer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openView, signIn } from './lib.mjs';

const BASE_URL = process.env.BASE_URL;
const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
const TEAM = Number(process.env.E2E_TEAM);
const DEVICE = process.env.E2E_DEVICE ?? '';
if (!BASE_URL) throw new Error('BASE_URL is not set; run web/e2e/run.sh');
if (!TEAM || !DEVICE) throw new Error('E2E_TEAM and E2E_DEVICE are not set; run web/e2e/run.sh');

// Qarshi, inland: farther than 2 km from every border line.
const INLAND = { lon: 65.7892, lat: 38.8606 };

let context;
let profile;
let admin;
let viewer;
const consoleErrors = [];

/** report sends one fix exactly as OsmAnd's online tracking does: a GET with query parameters. */
async function report(p, timestampMs) {
  const q = new URLSearchParams({ id: DEVICE, lat: String(p.lat), lon: String(p.lon), timestamp: String(timestampMs), speed: '10', batt: '80' });
  const res = await fetch(`${BASE_URL}/api/positions?${q}`);
  const body = await res.text();
  assert.equal(res.status, 200, `GET /api/positions: ${body}`);
  assert.match(body, /"stored"/, `the fix was not stored: ${body}`);
}

function metres(a, b) {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

/** nearestBorderVertex is the vertex of the demo's border lines nearest to p. */
async function nearestBorderVertex(page, p) {
  const fc = await page.evaluate(async () => {
    const r = await fetch('/collections/borders/items?limit=10000', { headers: { Authorization: `Bearer ${sessionStorage.getItem('bw.token')}`, Accept: 'application/geo+json' } });
    return r.json();
  });
  let best = null;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      const v = { lon: c[0], lat: c[1] };
      const d = metres(p, v);
      if (!best || d < best.d) best = { ...v, d };
    } else c.forEach(visit);
  };
  for (const f of fc.features) visit(f.geometry.coordinates);
  assert.ok(best, 'the demo has no border lines');
  return best;
}

const row = (page) => page.locator(`[data-testid=team-row][data-team="${TEAM}"]`);

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  admin = context.pages()[0] ?? await context.newPage();
  viewer = await context.newPage();
  for (const p of [admin, viewer]) {
    p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text() + ' ' + JSON.stringify(m.location())); });
    p.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  }
  await signIn(admin, process.env.E2E_USER, process.env.E2E_PASSWORD);
  await signIn(viewer, process.env.E2E_VIEWER_USER, process.env.E2E_VIEWER_PASSWORD);
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('teams live', () => {
  let border;

  test('a position sent as OsmAnd does appears on the open teams view with its age, beside the shift plan', async () => {
    // Today's plan for the team: its stops are the shift's planned stops.
    const plan = await admin.evaluate(async (team) => {
      const auth = { Authorization: `Bearer ${sessionStorage.getItem('bw.token')}` };
      const info = await (await fetch('/collections/events', { headers: { ...auth, Accept: 'application/json' } })).json();
      const [from, to] = info.extent.temporal.interval[0];
      const r = await fetch('/api/patrols/plan', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ teams: [team], from: from.slice(0, 10), to: to.slice(0, 10) }) });
      return { status: r.status, body: await r.json() };
    }, TEAM);
    assert.equal(plan.status, 201, `POST /api/patrols/plan: ${JSON.stringify(plan.body)}`);
    const stops = plan.body.features.filter((f) => f.properties.kind === 'stop' && Number(f.properties.team) === TEAM).length;
    assert.ok(stops > 0, 'the plan has no stop for the team');

    await openView(admin, 'teams');
    await admin.waitForSelector('[data-testid=teams-live-state][data-connected=true]', { timeout: 15000 });
    await row(admin).waitFor({ timeout: 15000 });
    await admin.waitForFunction(([team, n]) => document.querySelector(`[data-testid=team-row][data-team="${team}"]`)?.getAttribute('data-stops') === String(n), [TEAM, stops], { timeout: 15000 });
    assert.match(await row(admin).locator('[data-testid=team-shift]').innerText(), new RegExp(`0 visited, 0 skipped of ${stops}`));
    assert.match(await admin.locator('[data-testid=teams-radius]').innerText(), /within 300 m/);
    assert.equal(await admin.locator('[data-testid=teams-legend] [data-status]').count(), 3, 'the legend does not explain visited, skipped and pending');
    await admin.evaluate(() => { window.__notReloaded = true; });

    await report(INLAND, Date.now() - 3600 * 1000);
    await admin.waitForFunction(([team, lon]) => Math.abs(Number(document.querySelector(`[data-testid=team-row][data-team="${team}"]`)?.getAttribute('data-lon')) - lon) < 1e-6, [TEAM, INLAND.lon], { timeout: 10000 });
    assert.equal(await row(admin).locator('[data-testid=team-age]').innerText(), '1 hour ago');
    // The marker is drawn on the map.
    await admin.waitForFunction(() => Number(document.getElementById('map').dataset.renderedTeams) >= 1, null, { timeout: 10000 });
    assert.equal(await admin.evaluate(() => window.__notReloaded), true, 'the page was reloaded');
    await admin.screenshot({ path: join(ARTIFACTS, 'teams-first-fix.png') });
  });

  test('a fix at a border line moves the marker, raises an alert live, which an administrator acknowledges and a viewer only sees', async () => {
    border = await nearestBorderVertex(admin, INLAND);
    // The jump from the first fix must stay below 300 km/h to be plausible.
    assert.ok(border.d < 250000, `the nearest border vertex is ${Math.round(border.d)} m from the inland point`);
    await openView(viewer, 'teams');
    await viewer.waitForSelector('[data-testid=teams-live-state][data-connected=true]', { timeout: 15000 });
    const before = await admin.locator('[data-testid=alert-list] [data-kind=border_near]').count();

    const now = Date.now();
    await report(border, now);
    const next = { lon: border.lon + 0.001, lat: border.lat + 0.001 };
    await report(next, now + 1000);

    await admin.waitForFunction(([team, lon]) => Math.abs(Number(document.querySelector(`[data-testid=team-row][data-team="${team}"]`)?.getAttribute('data-lon')) - lon) < 1e-6, [TEAM, next.lon], { timeout: 10000 });
    assert.equal(await row(admin).locator('[data-testid=team-age]').innerText(), 'just now');
    // Both fixes are after the plan's departure: the shift's track.
    await admin.waitForFunction((team) => document.querySelector(`[data-testid=team-row][data-team="${team}"]`)?.getAttribute('data-track') === '2', TEAM, { timeout: 10000 });

    const banner = admin.locator(`[data-testid=alert-banner][data-kind=border_near]`);
    await banner.waitFor({ timeout: 10000 });
    assert.match(await banner.innerText(), /m from the border \(alert within 2,000 m\)/);
    const alertId = await banner.getAttribute('data-alert');
    await admin.waitForSelector('.tab[data-view=teams] [data-testid=nav-alerts]', { timeout: 5000 });
    const item = admin.locator(`[data-testid=alert-list] [data-alert="${alertId}"]`);
    await item.waitFor({ timeout: 5000 });
    assert.equal(await admin.locator('[data-testid=alert-list] [data-kind=border_near]').count(), before + 1);
    assert.equal(await item.getAttribute('data-acked'), 'false');
    await row(admin).locator('[data-testid=team-border]').waitFor({ timeout: 5000 });
    await admin.screenshot({ path: join(ARTIFACTS, 'teams-alert.png') });

    // The viewer gets the banner and the list, without acknowledging.
    const vBanner = viewer.locator(`[data-testid=alert-banner][data-alert="${alertId}"]`);
    await vBanner.waitFor({ timeout: 10000 });
    assert.equal(await vBanner.locator('[data-action=alert-ack]').count(), 0, 'a viewer is offered to acknowledge');
    const vItem = viewer.locator(`[data-testid=alert-list] [data-alert="${alertId}"]`);
    await vItem.waitFor({ timeout: 5000 });
    assert.equal(await vItem.locator('[data-testid=alert-ack]').count(), 0, 'a viewer is offered to acknowledge');
    await viewer.locator('[data-testid=alerts-readonly]').waitFor();

    await item.locator('[data-testid=alert-ack]').click();
    await admin.waitForFunction((id) => document.querySelector(`[data-testid=alert-list] [data-alert="${id}"]`)?.getAttribute('data-acked') === 'true', alertId, { timeout: 10000 });
    await admin.waitForFunction((id) => !document.querySelector(`[data-testid=alert-banner][data-alert="${id}"]`), alertId, { timeout: 5000 });
    // The acknowledgement reaches the viewer's page over the stream.
    await viewer.waitForFunction((id) => document.querySelector(`[data-testid=alert-list] [data-alert="${id}"]`)?.getAttribute('data-acked') === 'true', alertId, { timeout: 10000 });
    await viewer.waitForFunction((id) => !document.querySelector(`[data-testid=alert-banner][data-alert="${id}"]`), alertId, { timeout: 5000 });
    const open = await admin.evaluate(async () => (await (await fetch('/api/alerts?unacked=true', { headers: { Authorization: `Bearer ${sessionStorage.getItem('bw.token')}` } })).json()).alerts.map((a) => a.id));
    assert.ok(!open.includes(Number(alertId)), 'the server still lists the alert as not acknowledged');
    assert.equal(await admin.evaluate(() => window.__notReloaded), true, 'the page was reloaded');
    await admin.screenshot({ path: join(ARTIFACTS, 'teams-acked.png') });
  });

  test('the visit radius chosen is sent with the shift request and stated in the legend', async () => {
    const asked = admin.waitForRequest((r) => r.url().includes(`/api/teams/${TEAM}/shift`) && r.url().includes('radius_m=1500'), { timeout: 10000 });
    await admin.fill('#tm-radius', '1500');
    await admin.locator('#tm-radius').dispatchEvent('change');
    await asked;
    await admin.waitForFunction(() => /within 1,500 m/.test(document.querySelector('[data-testid=teams-radius]')?.textContent ?? ''), null, { timeout: 10000 });
    // A position arriving redraws the list, not the input being edited.
    await admin.fill('#tm-radius', '20');
    await report({ lon: border.lon + 0.002, lat: border.lat + 0.002 }, Date.now());
    await admin.waitForFunction((team) => document.querySelector(`[data-testid=team-row][data-team="${team}"]`)?.getAttribute('data-track') === '3', TEAM, { timeout: 10000 });
    assert.equal(await admin.inputValue('#tm-radius'), '20');
    await admin.fill('#tm-radius', '300');
    await admin.locator('#tm-radius').dispatchEvent('change');
    await admin.waitForFunction(() => /within 300 m/.test(document.querySelector('[data-testid=teams-radius]')?.textContent ?? ''), null, { timeout: 10000 });
  });

  test('the teams view reads in Russian', async () => {
    await admin.selectOption('#lang', 'ru');
    await admin.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Группы в реальном времени');
    assert.match(await row(admin).locator('[data-testid=team-age]').innerText(), /только что|мин назад/);
    assert.match(await admin.locator('[data-testid=teams-radius]').innerText(), /300 м/);
    await admin.selectOption('#lang', 'en');
  });

  test('no console errors in either tab', () => {
    assert.deepEqual(consoleErrors.filter((e) => !/401/.test(e)), []);
  });
});
