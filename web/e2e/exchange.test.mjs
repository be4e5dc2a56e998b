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
    await af.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await af.waitForSelector('[data-testid=network-graph]', { timeout: 15000 });
    const own = af.locator(`[data-testid=network-nodes] li[data-node="${id}"] .ent-name`).first();
    assert.match(await own.getAttribute('class'), /withheld/);
    assert.match(await own.innerText(), /withheld/);
    assert.doesNotMatch(await af.locator('[data-testid=network]').innerText(), /Xoʻjayev|Худжаев/, 'a withheld name is shown');
  });

  test('no console errors in either tab', () => {
    assert.deepEqual(consoleErrors.filter((e) => !/401/.test(e)), []);
  });
});
