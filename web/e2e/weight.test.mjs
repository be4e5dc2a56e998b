// The weight of the first screen: bytes transferred (as Chromium's network
// reports them, headers and compressed bodies) to sign in and see the hot
// spots, on a first visit with an empty cache and on a repeat visit (a new
// tab of the same browser, signing in again). Limits: first visit
// ≤ 1.5 MB, repeat visit ≤ 300 KB. It also prints the decoded size, the
// bytes an uncompressed, uncached client would have fetched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, signIn } from './helpers.mjs';

const FIRST_LIMIT = 1.5 * 1024 * 1024;
const REPEAT_LIMIT = 300 * 1024;

let b;
before(async () => { b = await launch(); });
after(async () => { await b?.close(); });

/** meter counts the bytes a page's requests transfer and decode (CDP Network events). */
async function meter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const wire = new Map();
  const decoded = new Map();
  const urls = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.dataReceived', (e) => {
    wire.set(e.requestId, (wire.get(e.requestId) ?? 0) + e.encodedDataLength);
    decoded.set(e.requestId, (decoded.get(e.requestId) ?? 0) + e.dataLength);
  });
  cdp.on('Network.loadingFinished', (e) => wire.set(e.requestId, Math.max(wire.get(e.requestId) ?? 0, e.encodedDataLength)));
  const sum = (m) => [...m.values()].reduce((a, x) => a + x, 0);
  return {
    wire: () => sum(wire),
    decoded: () => sum(decoded),
    largest: () => [...wire.entries()].sort((x, y) => y[1] - x[1]).slice(0, 6)
      .map(([id, n]) => `${(n / 1024).toFixed(1)} KB ${new URL(urls.get(id) ?? 'about:blank').pathname}`),
  };
}

/** firstScreen signs in and waits for what the first screen shows: the events and hot spots on the map. */
async function firstScreen(page) {
  await signIn(page);
  await page.waitForSelector('[data-testid=events-count]', { timeout: 120000 });
  await page.waitForSelector('[data-testid=cells-summary], [data-testid=cells-error]', { timeout: 120000 });
  await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.renderedEvents ?? 0) > 0, null, { timeout: 120000 });
  // Requests started by the first screen (late layers) finish.
  await page.waitForTimeout(2000);
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

describe('weight', () => {
  let first;
  test(`the first visit transfers at most ${kb(FIRST_LIMIT)}`, async () => {
    const m = await meter(b.page);
    await firstScreen(b.page);
    first = m.wire();
    console.log(`first visit: ${kb(first)} transferred, ${kb(m.decoded())} decoded (ratio ${(m.decoded() / first).toFixed(1)}×), limit ${kb(FIRST_LIMIT)}; largest: ${m.largest().join('; ')}`);
    await shot(b.page, 'weight-first-visit');
    assert.ok(first <= FIRST_LIMIT, `first visit ${kb(first)} > ${kb(FIRST_LIMIT)}`);
  });

  test(`a repeat visit transfers at most ${kb(REPEAT_LIMIT)}`, async () => {
    const page = await b.context.newPage();
    await b.page.close();
    const m = await meter(page);
    await firstScreen(page);
    const repeat = m.wire();
    console.log(`repeat visit: ${kb(repeat)} transferred, ${kb(m.decoded())} decoded; first visit ${kb(first)}; limit ${kb(REPEAT_LIMIT)}; largest: ${m.largest().join('; ')}`);
    await shot(page, 'weight-repeat-visit');
    assert.ok(repeat <= REPEAT_LIMIT, `repeat visit ${kb(repeat)} > ${kb(REPEAT_LIMIT)}`);
  });
});
