// Browser tests of the exchange between liaison offices (see run.sh): two
// tabs, each with its own session (the token lives in sessionStorage), one
// for a uz-border admin and one for an af-border admin, the partners of a
// demo sharing agreement. They run before tests.mjs, whose last test
// revokes that agreement.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openView, signIn } from './lib.mjs';

const BASE_URL = process.env.BASE_URL;
const USER = process.env.E2E_USER ?? 'e2e';
const PASSWORD = process.env.E2E_PASSWORD ?? '';
const PARTNER_USER = process.env.E2E_PARTNER_USER ?? 'e2e-partner';
const PARTNER_PASSWORD = process.env.E2E_PARTNER_PASSWORD ?? '';
const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
if (!BASE_URL) throw new Error('BASE_URL is not set; run web/e2e/run.sh');

let context;
let profile;
let uz;
let af;
const consoleErrors = [];

// call sends a request to the API from page with its session's token,
// as the client does, and returns the status and the JSON answer.
async function call(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem('bw.token')}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, [method, path, body]);
}

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
  uz = context.pages()[0] ?? await context.newPage();
  af = await context.newPage();
  for (const p of [uz, af]) {
    p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text() + ' ' + JSON.stringify(m.location())); });
    p.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  }
  await signIn(uz, USER, PASSWORD);
  await signIn(af, PARTNER_USER, PARTNER_PASSWORD);
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('exchange between liaison offices', () => {
  let messageId = '';

  test('a flash lookout appears live in the partner inbox, is acknowledged there, and the sender sees it', async () => {
    await openView(af, 'inbox');
    await af.waitForSelector('[data-testid=live-state][data-connected=true]', { timeout: 15000 });
    const before = await af.locator('[data-testid=box-inbox] .msg-row').count();

    await openView(uz, 'inbox');
    await uz.waitForSelector('[data-testid=live-state][data-connected=true]', { timeout: 15000 });
    await uz.click('#msg-new');
    await uz.selectOption('#msg-kind', 'lookout');
    await uz.locator('[data-testid=recipients] input[value=af-border]').check();
    await uz.selectOption('#msg-urgency', 'flash');
    await uz.selectOption('#msg-place', 'crossing');
    const crossing = await uz.locator('#msg-crossing option').nth(1).getAttribute('value');
    await uz.selectOption('#msg-crossing', crossing);
    const text = `Grey Kamaz 4521 AB 03 left Termez for the Friendship Bridge ${Date.now()}`;
    await uz.fill('#msg-text', text);
    await uz.click('#msg-send');
    await uz.waitForFunction(() => /^#inbox\/\d+$/.test(location.hash));
    messageId = (await uz.evaluate(() => location.hash)).split('/')[1];
    const chip = uz.locator(`[data-testid=thread] [data-message="${messageId}"] [data-testid=deliveries] [data-agency=af-border]`);
    await chip.waitFor({ timeout: 10000 });
    assert.equal(await chip.getAttribute('data-state'), 'delivered');
    await uz.screenshot({ path: join(ARTIFACTS, 'exchange-sent.png') });

    // The partner's tab was not reloaded: the message arrives over the stream.
    const row = af.locator(`[data-testid=box-inbox] [data-message="${messageId}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.equal(await af.locator('[data-testid=box-inbox] .msg-row').count(), before + 1);
    assert.match(await row.innerText(), /FLASH/);
    assert.match(await row.innerText(), /from uz-border/);
    const banner = af.locator(`[data-testid=flash-banner][data-message="${messageId}"]`);
    await banner.waitFor({ timeout: 5000 });
    await af.waitForSelector('.tab[data-view=inbox] [data-testid=nav-unread]');
    await af.screenshot({ path: join(ARTIFACTS, 'exchange-flash.png') });

    // Opening it shows the text and marks it read, which the sender sees live.
    await row.locator('a').click();
    await af.waitForSelector('[data-testid=thread] [data-testid=message-text]');
    assert.equal(await af.locator('[data-testid=thread] [data-testid=message-text]').innerText(), text);
    await uz.waitForFunction((id) => document.querySelector(`[data-testid=thread] [data-message="${id}"] [data-agency=af-border]`)?.getAttribute('data-state') === 'read', messageId, { timeout: 5000 });

    await af.click('[data-testid=thread] [data-testid=ack]');
    await af.waitForFunction(() => !document.querySelector('[data-testid=flash-banner]'), null, { timeout: 5000 });
    await af.waitForFunction((id) => document.querySelector(`[data-testid=box-inbox] [data-message="${id}"] [data-state]`)?.getAttribute('data-state') === 'acknowledged', messageId, { timeout: 5000 });
    await uz.waitForFunction((id) => document.querySelector(`[data-testid=thread] [data-message="${id}"] [data-agency=af-border]`)?.getAttribute('data-state') === 'acknowledged', messageId, { timeout: 5000 });
    await uz.click('#box-outbox');
    await uz.waitForFunction((id) => document.querySelector(`[data-testid=box-outbox] [data-message="${id}"] [data-agency=af-border]`)?.getAttribute('data-state') === 'acknowledged', messageId, { timeout: 5000 });
    await uz.screenshot({ path: join(ARTIFACTS, 'exchange-acknowledged.png') });
  });

  test('a reply from the partner reaches the sender thread live', async () => {
    const reply = `Seen at 14:20, plate confirmed ${Date.now()}`;
    await af.fill('#msg-reply', reply);
    await af.click('#msg-reply-send');
    await uz.click('#box-inbox');
    await uz.waitForFunction((r) => [...document.querySelectorAll('[data-testid=thread] [data-testid=message-text]')].some((e) => e.textContent === r), reply, { timeout: 5000 });
    await uz.waitForFunction((id) => document.querySelector(`[data-testid=thread] [data-message="${id}"] [data-agency=af-border]`)?.getAttribute('data-state') === 'answered', messageId, { timeout: 5000 });
  });

  test('the network view draws a demo entity with its events and links, names transliterated, withheld data shown as withheld', async () => {
    await openView(uz, 'network');
    const opt = uz.locator('#net-entity option', { hasText: 'Xoʻjayev' });
    await opt.waitFor({ state: 'attached', timeout: 15000 });
    const id = await opt.getAttribute('value');
    await uz.selectOption('#net-entity', id);
    await uz.waitForSelector('[data-testid=network-graph] .node-event');
    const nodes = await uz.locator('[data-testid=network-graph] .node').count();
    assert.ok(nodes >= 3, `the network of a driver of a seizure has ${nodes} nodes; want the person, the seizure and the vehicle`);
    assert.equal(await uz.locator('[data-testid=network-graph] .node[data-depth="0"]').count(), 1);
    assert.ok(await uz.locator('[data-testid=network-graph] .node-entity[data-depth="2"]').count() >= 1, 'no entity two steps out');
    assert.ok(await uz.locator('[data-testid=network-graph] line').count() >= 2, 'no edges drawn');
    await uz.screenshot({ path: join(ARTIFACTS, 'network.png') });

    // In Russian the Latin-written name gets its Cyrillic form beside it.
    await uz.selectOption('#lang', 'ru');
    await uz.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Сеть связей');
    const root = uz.locator(`[data-testid=network-nodes] li[data-node="${id}"] [data-testid=entity-translit]`).first();
    assert.match(await root.innerText(), /[А-Яа-я]/, 'no Cyrillic transliteration beside the name');
    await uz.screenshot({ path: join(ARTIFACTS, 'network-ru.png') });
    await uz.selectOption('#lang', 'en');

    // The partner may see the person, without the personal data.
    await af.goto(`${BASE_URL}/#network/${id}`);
    await af.waitForSelector('body[data-ready=true]', { timeout: 90000 });
    await af.waitForSelector('[data-testid=network-graph]', { timeout: 15000 });
    const own = af.locator(`[data-testid=network-nodes] li[data-node="${id}"] .ent-name`).first();
    assert.match(await own.getAttribute('class'), /withheld/);
    assert.match(await own.innerText(), /withheld/);
    assert.doesNotMatch(await af.locator('[data-testid=network]').innerText(), /Xoʻjayev|Худжаев/, 'a withheld name is shown');
  });

  test('a hit appears after the partner records the vehicle: live to the recorder, and to the author once released', async () => {
    // uz-border records the truck it is looking for and sends a lookout on
    // it to af-border, picking the vehicle in the compose form.
    const n = String(Date.now() % 9000 + 1000);
    const plate = `${n} KT 05`;
    const truck = await call(uz, 'POST', '/api/entities', { kind: 'vehicle', sharing: 'agency', synthetic: true,
      vehicle: { plate, kind: 'truck', make: 'Kamaz', colour: 'grey' } });
    assert.equal(truck.status, 201, JSON.stringify(truck.body));
    await uz.goto(`${BASE_URL}/#inbox`);
    await uz.waitForSelector('body[data-ready=true]', { timeout: 90000 });
    await uz.click('#msg-new');
    await uz.selectOption('#msg-kind', 'lookout');
    await uz.locator('[data-testid=recipients] input[value=af-border]').check();
    await uz.selectOption('#msg-urgency', 'urgent');
    await uz.fill('#msg-text', `Grey Kamaz ${plate}, expected at Hairatan`);
    // The search asks the server (GET /api/match) as well as the entities loaded.
    await uz.fill('#msg-subject-search', plate);
    await uz.locator(`[data-testid=subject-results] li[data-entity="${truck.body.id}"] button`).click();
    await uz.waitForSelector(`[data-testid=subjects] li[data-entity="${truck.body.id}"]`);
    await uz.click('#msg-send');
    await uz.waitForFunction(() => /^#inbox\/\d+$/.test(location.hash));
    const lookout = (await uz.evaluate(() => location.hash)).split('/')[1];

    // Both sides watch their hits list; neither tab is reloaded after this.
    await openView(af, 'hits');
    await af.waitForSelector('[data-testid=hits-ours]', { timeout: 15000 });
    await af.waitForSelector('#panel [data-testid=live-state][data-connected=true]', { timeout: 15000 });
    await openView(uz, 'hits');
    await uz.waitForSelector('[data-testid=hits-theirs]', { timeout: 15000 });
    assert.equal(await af.locator(`[data-hit][data-message="${lookout}"]`).count(), 0);

    // af-border records a seizure and the vehicle in it, the plate written
    // with Cyrillic look-alike letters, and links the two.
    const seizure = await call(af, 'POST', '/collections/events/items', { type: 'Feature', geometry: { type: 'Point', coordinates: [67.42, 37.22] },
      properties: { kind: 'seizure', occurred_at: new Date(Date.now() - 3600e3).toISOString(), agency: 'af-border', sharing: 'agency',
        items: [{ drug: 'heroin', quantity: 12, unit: 'kg' }] } });
    assert.equal(seizure.status, 201, JSON.stringify(seizure.body));
    const recorded = await call(af, 'POST', '/api/entities', { kind: 'vehicle', sharing: 'agency', synthetic: true,
      vehicle: { plate: `${n}КТ05`, kind: 'truck' } });
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    const seizureId = seizure.body.id ?? seizure.body.properties?.id;
    const link = await call(af, 'POST', `/api/events/${seizureId}/entities`, { entity: recorded.body.id, role: 'vehicle' });
    assert.equal(link.status, 201, JSON.stringify(link.body));

    // The recorder's list shows the hit live, beside its lookout.
    const hit = af.locator(`[data-testid=hits-ours] [data-hit][data-message="${lookout}"]`);
    await hit.waitFor({ timeout: 5000 });
    assert.equal(await hit.getAttribute('data-state'), 'new');
    assert.match(await hit.locator('[data-testid=hit-lookout]').innerText(), new RegExp(`#${lookout}.*uz-border`));
    assert.match(await hit.locator('[data-testid=hit-record]').innerText(), new RegExp(`${n}КТ05`));
    assert.match(await hit.locator('[data-testid=hit-score]').innerText(), /^(9\d|100)\s?%$/);
    await af.screenshot({ path: join(ARTIFACTS, 'hit-recorder.png') });

    // The author does not see a hit on a record it may not see until it is released.
    assert.equal(await uz.locator(`[data-hit][data-message="${lookout}"]`).count(), 0);
    await hit.locator('[data-testid=hit-release]').click();
    await af.waitForFunction((id) => document.querySelector(`[data-testid=hits-ours] [data-message="${id}"]`)?.getAttribute('data-state') === 'released', lookout, { timeout: 5000 });
    const theirs = uz.locator(`[data-testid=hits-theirs] [data-hit][data-message="${lookout}"]`);
    await theirs.waitFor({ timeout: 5000 });
    assert.equal(await theirs.getAttribute('data-state'), 'released');
    assert.match(await theirs.locator('[data-testid=hit-subject]').innerText(), new RegExp(plate));
    await uz.screenshot({ path: join(ARTIFACTS, 'hit-author.png') });

    // In Russian.
    await uz.selectOption('#lang', 'ru');
    await uz.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Совпадения с ориентировками');
    assert.match(await theirs.locator('[data-testid=hit-state]').innerText(), /передано/);
    await uz.selectOption('#lang', 'en');
  });

  test('no console errors in either tab', () => {
    // A 404 of an entity the agency may not see is how the hits list learns
    // that it is not visible (the browser logs every failed request).
    assert.deepEqual(consoleErrors.filter((e) => !/401/.test(e) && !/status of 404.*\/api\/entities\/[0-9a-f-]{36}"/.test(e)), []);
  });
});
