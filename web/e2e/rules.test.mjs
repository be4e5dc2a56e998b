// Browser tests of the alert rules view (see run.sh): an administrator
// draws a zone on the map with the mouse and saves a zone rule, which is
// listed after a reload and stored with the polygon drawn; a bad value is
// shown next to its field, in English and Russian; a viewer reads the rules
// without the means to change them; the administrator deletes one. Then `borderwatch simulate` drives a
// team of a fresh plan through the OsmAnd protocol: the team's marker
// moves on the open teams view, and the banner of a zone_enter alert
// appears when it enters a zone set on its route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, BASE_URL, api, launch, openView, setLang, shot, signIn, waitIdle } from './lib.mjs';
import { axe } from './helpers.mjs';

const BIN = process.env.E2E_BIN;
if (!BIN) throw new Error('E2E_BIN is not set; run web/e2e/run.sh');

let b;
let page;

before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page, process.env.E2E_USER, process.env.E2E_PASSWORD);
});

after(async () => { await b?.close(); });

/** vertexSet is a ring's distinct corners, rounded to 6 decimals, sorted. */
function vertexSet(ring) {
  const s = new Set(ring.map((c) => `${c[0].toFixed(6)} ${c[1].toFixed(6)}`));
  return [...s].sort();
}

function metres(a, b) {
  const r = Math.PI / 180;
  const dLat = (b[1] - a[1]) * r;
  const dLon = (b[0] - a[0]) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

/** along is the point d metres along line (or its end). */
function along(line, d) {
  for (let i = 1; i < line.length; i++) {
    const seg = metres(line[i - 1], line[i]);
    if (d <= seg) {
      const f = seg ? d / seg : 0;
      return [line[i - 1][0] + f * (line[i][0] - line[i - 1][0]), line[i - 1][1] + f * (line[i][1] - line[i - 1][1])];
    }
    d -= seg;
  }
  return line[line.length - 1];
}

const ruleRow = (name) => page.locator('[data-testid=rule-list] tr[data-rule]', { hasText: name });

describe('alert rules', () => {
  const NAME = `E2E drawn zone ${Date.now()}`;

  test('an administrator draws a zone on the map and saves a zone rule; after a reload it is listed and the API has the polygon drawn', async () => {
    await openView(page, 'rules');
    await page.click('#ar-new');
    await page.fill('#ar-name', NAME);
    assert.equal(await page.inputValue('#ar-kind'), 'zone_enter');
    assert.equal(await page.inputValue('#ar-source'), 'drawn');
    await waitIdle(page);
    const box = await page.locator('#map canvas').boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const corners = [[cx - 140, cy - 90], [cx + 130, cy - 100], [cx + 150, cy + 80], [cx - 120, cy + 110]];
    for (const [x, y] of [...corners, corners[0]]) {
      await page.mouse.move(x, y);
      await page.mouse.click(x, y);
      await page.waitForTimeout(250);
    }
    await page.waitForFunction(() => document.querySelector('[data-testid=rule-zone-state]')?.textContent === 'Zone of 4 corners.', null, { timeout: 10000 });
    const typed = (await page.inputValue('#ar-corners')).trim().split('\n').map((l) => l.split(' ').map(Number));
    assert.equal(typed.length, 4);
    await shot(page, 'rules-drawn');
    const found = (await axe(page)).filter((v) => v.impact === 'critical' || ['label', 'select-name', 'button-name'].includes(v.id));
    assert.deepEqual(found, [], 'axe findings on the zone form');
    await page.click('#ar-save');
    await ruleRow(NAME).waitFor({ timeout: 15000 });

    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 180000 });
    await openView(page, 'rules');
    await ruleRow(NAME).waitFor({ timeout: 15000 });
    assert.equal(await ruleRow(NAME).getAttribute('data-kind'), 'zone_enter');
    const r = await api(page, '/api/alert-rules');
    assert.equal(r.status, 200);
    const rule = r.body.rules.find((x) => x.name === NAME);
    assert.ok(rule, 'the API does not list the rule');
    assert.equal(rule.zone_source, 'drawn');
    assert.equal(rule.zone.type, 'MultiPolygon');
    assert.equal(rule.zone.coordinates.length, 1);
    assert.deepEqual(vertexSet(rule.zone.coordinates[0][0]), vertexSet(typed), 'the stored polygon is not the one drawn');
    // Opened again, the form shows the stored corners.
    await ruleRow(NAME).locator('[data-action=edit]').click();
    const shown = (await page.inputValue('#ar-corners')).trim().split('\n').map((l) => l.split(' ').map(Number));
    assert.deepEqual(vertexSet(shown), vertexSet(typed));
    await shot(page, 'rules-listed');
    await page.click('#ar-cancel');
  });

  test('a bad value is shown next to its field, in English and in Russian', async () => {
    await page.click('#ar-new');
    await page.fill('#ar-name', 'E2E too near');
    await page.selectOption('#ar-kind', 'border_near');
    await page.fill('#ar-distance-m', '0');
    await page.click('#ar-save');
    const err = page.locator('[data-slot=distance_m] [data-field-error=distance_m]');
    await err.waitFor({ timeout: 10000 });
    assert.equal(await page.getAttribute('#ar-distance-m', 'aria-invalid'), 'true');
    assert.equal(await page.locator('[data-field-error]').count(), 1, 'errors about other fields');
    // The error sits beside the distance input, in the same cell.
    assert.equal(await page.evaluate(() => document.querySelector('[data-slot=distance_m]').parentElement.querySelector('#ar-distance-m') !== null), true);
    await shot(page, 'rules-error-en');
    // The open form, with an error shown, has every field named and no critical finding.
    const found = (await axe(page)).filter((v) => v.impact === 'critical' || ['label', 'select-name', 'button-name', 'aria-valid-attr-value'].includes(v.id));
    assert.deepEqual(found, [], 'axe findings on the rule form');

    await setLang(page, 'ru');
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Правила тревог');
    assert.match(await page.locator('[data-testid=rules-legend]').innerText(), /Зона правила/);
    assert.equal(await page.locator('label[for=ar-distance-m]').innerText(), 'Расстояние (м)');
    assert.equal(await page.inputValue('#ar-distance-m'), '0', 'the value typed was lost');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/alert-rules') && r.request().method() === 'POST');
    await page.click('#ar-save');
    assert.equal((await answered).status(), 400);
    await err.waitFor({ timeout: 10000 });
    // The server titles the problem in the interface language.
    await page.waitForFunction(() => /Неверный запрос/.test(document.querySelector('[data-testid=rule-form-error]')?.textContent ?? ''), null, { timeout: 10000 });
    await shot(page, 'rules-error-ru');
    await setLang(page, 'en');
    await page.click('#ar-cancel');
    const r = await api(page, '/api/alert-rules');
    assert.ok(!r.body.rules.some((x) => x.name === 'E2E too near'), 'the refused rule was stored');
  });

  test('a viewer reads the rules without the means to change them', async () => {
    const v = await b.newPage();
    await signIn(v, process.env.E2E_VIEWER_USER, process.env.E2E_VIEWER_PASSWORD);
    await openView(v, 'rules');
    await v.locator('[data-testid=rules-readonly]').waitFor();
    await v.locator('[data-testid=rule-list] tr[data-rule]', { hasText: NAME }).waitFor({ timeout: 15000 });
    assert.equal(await v.locator('#ar-new, [data-action=edit], [data-action=delete]').count(), 0, 'a viewer is offered to change rules');
    await v.close();
  });

  test('a zone rule takes a sector of the agency or a hot-spot area', async () => {
    await openView(page, 'rules');
    await page.click('#ar-new');
    await page.fill('#ar-name', 'E2E sector zone');
    await page.selectOption('#ar-kind', 'zone_leave');
    await page.selectOption('#ar-source', 'sector');
    await page.waitForFunction(() => document.querySelectorAll('#ar-sector option').length > 1, null, { timeout: 60000 });
    const sector = await page.locator('#ar-sector option').nth(1).getAttribute('value');
    await page.selectOption('#ar-sector', sector);
    await page.selectOption('#ar-source', 'hotspot');
    await page.waitForFunction(() => document.querySelectorAll('#ar-area option').length > 1, null, { timeout: 60000 });
    await shot(page, 'rules-hotspot');
    await page.selectOption('#ar-source', 'sector');
    assert.equal(await page.inputValue('#ar-sector'), sector, 'the sector chosen was lost');
    await page.click('#ar-save');
    await ruleRow('E2E sector zone').waitFor({ timeout: 15000 });
    const r = await api(page, '/api/alert-rules');
    const rule = r.body.rules.find((x) => x.name === 'E2E sector zone');
    assert.equal(rule.zone_source, 'sector');
    assert.equal(rule.sector, sector);
    assert.equal(rule.kind, 'zone_leave');
    assert.equal(rule.zone?.type, 'MultiPolygon', 'the sector outline was not copied into the zone');
    // Left in place, every team outside the sector would raise an alert.
    assert.equal((await api(page, `/api/alert-rules/${rule.id}`, { method: 'DELETE' })).status, 204);
  });

  test('an administrator deletes a rule after confirming; the API no longer has it', async () => {
    await openView(page, 'rules');
    await ruleRow(NAME).waitFor({ timeout: 15000 });
    const id = await ruleRow(NAME).getAttribute('data-rule');
    await ruleRow(NAME).locator('[data-action=delete]').click();
    await ruleRow(NAME).locator('[data-action=confirm-delete]').click();
    await page.waitForFunction((n) => ![...document.querySelectorAll('[data-testid=rule-list] tr[data-rule]')].some((el) => el.textContent.includes(n)), NAME, { timeout: 15000 });
    const r = await api(page, '/api/alert-rules');
    assert.equal(r.status, 200);
    assert.ok(!r.body.rules.some((x) => String(x.id) === id), 'the API still lists the deleted rule');
  });

  test('during borderwatch simulate the live map moves a team and shows the alert banner when it enters a zone on its route', { timeout: 240000 }, async () => {
    // A uz-border team other than the one the teams test reports for.
    const teams = await api(page, '/collections/teams/items?limit=100');
    const mine = teams.body.features.filter((f) => f.properties.agency === 'uz-border' && Number(f.id) !== Number(process.env.E2E_TEAM));
    assert.ok(mine.length > 0, 'the demo has no second uz-border team');
    const team = Number(mine[0].id);
    const teamName = mine[0].properties.name;
    const info = await api(page, '/collections/events');
    const [from, to] = info.body.extent.temporal.interval[0];
    const plan = await api(page, '/api/patrols/plan', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ teams: [team], from: from.slice(0, 10), to: to.slice(0, 10) }) });
    assert.equal(plan.status, 201, `POST /api/patrols/plan: ${JSON.stringify(plan.body)}`);
    const route = plan.body.features.find((f) => f.properties.kind === 'route' && Number(f.properties.team) === team);
    assert.ok(route && route.geometry.type === 'LineString', 'the plan has no route for the team');
    // A square of ±400 m around the point 2 km along the route: simulate
    // drives at 250 km/h (-speedup 100, capped), so it is reached in about 25 s.
    const c = along(route.geometry.coordinates, 2000);
    const dLat = 400 / 111320;
    const dLon = 400 / (111320 * Math.cos(c[1] * Math.PI / 180));
    const zone = [[c[0] - dLon, c[1] - dLat], [c[0] + dLon, c[1] - dLat], [c[0] + dLon, c[1] + dLat], [c[0] - dLon, c[1] + dLat]];
    const ZONE_NAME = `E2E route zone ${Date.now()}`;

    // The zone typed as corners (the keyboard's way to draw it).
    await openView(page, 'rules');
    await page.click('#ar-new');
    await page.fill('#ar-name', ZONE_NAME);
    await page.selectOption('#ar-team', String(team));
    await page.fill('#ar-corners', zone.map((p) => `${p[0].toFixed(6)} ${p[1].toFixed(6)}`).join('\n'));
    await page.locator('#ar-corners').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelector('[data-testid=rule-zone-state]')?.textContent === 'Zone of 4 corners.');
    await page.click('#ar-save');
    await ruleRow(ZONE_NAME).waitFor({ timeout: 15000 });

    await openView(page, 'teams');
    await page.waitForSelector('[data-testid=teams-live-state][data-connected=true]', { timeout: 15000 });
    const log = createWriteStream(join(ARTIFACTS, 'simulate.log'));
    const sim = spawn(BIN, ['simulate', '-server', BASE_URL, '-every', '1s', '-speedup', '100', '-duration', '90s'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    sim.stdout.pipe(log);
    sim.stderr.pipe(log);
    const exited = new Promise((res) => sim.on('exit', res));
    try {
      const row = `[data-testid=team-row][data-team="${team}"]`;
      await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('data-lon'), row, { timeout: 30000 });
      const first = await page.evaluate((s) => { const el = document.querySelector(s); return [el.dataset.lon, el.dataset.lat]; }, row);
      await page.waitForFunction(([s, f]) => { const el = document.querySelector(s); return el && (el.dataset.lon !== f[0] || el.dataset.lat !== f[1]); }, [row, first], { timeout: 30000 });
      const second = await page.evaluate((s) => { const el = document.querySelector(s); return [Number(el.dataset.lon), Number(el.dataset.lat)]; }, row);
      assert.ok(metres(first.map(Number), second) > 1, 'the team did not move');
      await page.waitForFunction(() => Number(document.getElementById('map').dataset.renderedTeams) >= 1, null, { timeout: 20000 });
      await shot(page, 'rules-simulate-moving');

      const banner = page.locator('[data-testid=alert-banner][data-kind=zone_enter]', { hasText: ZONE_NAME });
      await banner.waitFor({ timeout: 90000 });
      assert.equal(await banner.locator('strong').innerText(), `${teamName} entered the zone of “${ZONE_NAME}”`);
      await shot(page, 'rules-simulate-alert-en');
      await setLang(page, 'ru');
      await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=alert-banner][data-kind=zone_enter]')].some((el) => el.textContent.includes(`вошла в зону «${n}»`)), ZONE_NAME, { timeout: 10000 });
      await shot(page, 'rules-simulate-alert-ru');
      await setLang(page, 'en');
    } finally {
      sim.kill('SIGINT');
      await exited;
    }
  });

  test('no console errors', () => {
    // The bad value's answer (400) is logged by Chromium; it is the test's own.
    assert.deepEqual(b.errors.filter((e) => !/401/.test(e) && !/status of 400 .*\/api\/alert-rules"/.test(e)), []);
  });
});
