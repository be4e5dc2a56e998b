// The client in Russian: the server's validation messages arrive in
// Russian next to their fields (the client sends Accept-Language), the map
// labels the countries in Russian, and English stays the fallback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openView, setLang, shot, signIn } from './helpers.mjs';

let b;
let page;
before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page);
});
after(async () => { await b?.close(); });

/** entryWithBadInput opens the entry form at a map point and saves a future date with 0 kg. */
async function entryWithBadInput() {
  // The entry view shows its hint until a map click opens the form, and
  // keeps an open form when the view or the language changes.
  await openView(page, 'entry');
  await page.waitForSelector('[data-testid=entry-hint], #entry-form');
  if (!(await page.locator('#entry-form').count())) {
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.45);
    await page.waitForSelector('#entry-form');
  }
  await page.fill('#e-occurred_at', '2031-03-01T10:00');
  await page.dispatchEvent('#e-occurred_at', 'change');
  await page.fill('[id="e-items[0].quantity"]', '0');
  const refused = page.waitForResponse((r) => r.url().endsWith('/collections/events/items') && r.request().method() === 'POST');
  await page.click('#e-save');
  const res = await refused;
  assert.equal(res.status(), 400);
  return res;
}

describe('language', () => {
  test('in Russian, the reasons the server gives appear in Russian next to their fields', async () => {
    await setLang(page, 'ru');
    const res = await entryWithBadInput();
    assert.match(res.request().headers()['accept-language'] ?? '', /^ru/, 'the client does not send its language');
    assert.equal(res.headers()['content-language'], 'ru');
    const dateErr = page.locator('[data-field="occurred_at"] [data-field-error="occurred_at"]');
    await dateErr.waitFor({ timeout: 10000 });
    assert.match(await dateErr.innerText(), /в будущем/);
    const qtyErr = page.locator('[data-field="items[0].quantity"] [data-field-error="items[0].quantity"]');
    assert.match(await qtyErr.innerText(), /больше 0/);
    await shot(page, 'entry-errors-ru');
  });

  test('in English the same reasons are English', async () => {
    await setLang(page, 'en');
    await entryWithBadInput();
    const dateErr = page.locator('[data-field="occurred_at"] [data-field-error="occurred_at"]');
    await dateErr.waitFor({ timeout: 10000 });
    assert.match(await dateErr.innerText(), /lies in the future/);
    await shot(page, 'entry-errors-en');
  });

  test('the map names the countries in the interface language', async () => {
    await openView(page, 'hotspots');
    const labels = (l) => page.waitForFunction((re) => new RegExp(re).test(document.getElementById('map')?.dataset.countryLabels ?? ''), l, { timeout: 120000 });
    await labels('TAJIKISTAN');
    await setLang(page, 'ru');
    await labels('ТАДЖИКИСТАН');
    const shown = await page.locator('#map').getAttribute('data-country-labels');
    assert.doesNotMatch(shown, /[A-Z]{4}/, `English country labels left in Russian: ${shown}`);
    await shot(page, 'map-labels-ru');
    await setLang(page, 'en');
    await labels('TAJIKISTAN');
  });

  test('no console errors except the refused saves', () => {
    assert.deepEqual(b.errors.filter((e) => !/\b40[01]\b/.test(e)), []);
  });
});
