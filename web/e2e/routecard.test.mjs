// Route cards: a plan's itinerary works with the keyboard, and its route
// cards print one A4 page per team with the map of the route, the numbered
// stops with their times and each position in decimal degrees, DMS and
// MGRS, in English and in Russian.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, launch, openView, setLang, shot, signIn } from './helpers.mjs';

let b;
let page;
before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page);
});
after(async () => { await b?.close(); });

describe('route cards', () => {
  test('a plan is made and its stops open with the keyboard', async () => {
    await openView(page, 'patrols');
    const teams = page.locator('#p-teams input[type=checkbox]');
    assert.ok(await teams.count() > 0, 'no teams listed');
    for (let i = 0; i < Math.min(2, await teams.count()); i++) if (!(await teams.nth(i).isChecked())) await teams.nth(i).check();
    const planned = page.waitForResponse((r) => r.url().endsWith('/api/patrols/plan') && r.request().method() === 'POST', { timeout: 120000 });
    await page.click('#p-plan');
    assert.equal((await planned).status(), 201);
    const stop = page.locator('[data-testid=itinerary] ol.stops li').first();
    await stop.waitFor({ timeout: 120000 });
    assert.equal(await stop.getAttribute('tabindex'), '0', 'itinerary stops are not in the tab order');
    await stop.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.maplibregl-popup', { timeout: 10000 });
    await shot(page, 'itinerary-keyboard');
  });

  for (const lang of ['en', 'ru']) {
    test(`the route cards in ${lang}: stops with times and DD, DMS and MGRS; one A4 page per team in print`, async () => {
      await setLang(page, lang);
      await page.waitForSelector('#p-cards');
      const answered = page.waitForResponse((r) => /\/api\/plans\/[^/]+\/cards$/.test(new URL(r.url()).pathname));
      await page.click('#p-cards');
      assert.equal((await answered).status(), 200);
      await page.waitForSelector('[data-testid=route-cards][data-ready=true]', { timeout: 120000 });
      const cards = await page.$$eval('.route-card', (els) => els.map((el) => ({
        title: el.querySelector('h2')?.textContent ?? '',
        head: [...el.querySelectorAll('thead th')].map((th) => th.textContent),
        rows: [...el.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
        mapStops: el.querySelectorAll('svg .card-stop').length,
        route: el.querySelectorAll('svg .card-route').length,
      })));
      assert.ok(cards.length > 0, 'no route card');
      assert.match(cards[0].title, lang === 'ru' ? /Маршрутная карточка/ : /Route card/);
      assert.match(cards[0].head.join(' '), /MGRS/);
      let stops = 0;
      for (const c of cards) {
        const numbered = c.rows.filter((r) => r[0] !== '');
        stops += numbered.length;
        assert.equal(c.mapStops, numbered.length, `${c.title}: ${c.mapStops} stops on the map, ${numbered.length} in the table`);
        if (numbered.length) assert.equal(c.route, 1, `${c.title}: no route on the map`);
        numbered.forEach((r, i) => {
          assert.equal(r[0], String(i + 1), `${c.title}: stops not numbered in order`);
          assert.match(r[1], /^\d{2}:\d{2}$/, `${c.title} stop ${i + 1}: time ${r[1]}`);
          assert.match(r[4], /^\d{2}\.\d{5}, \d{2}\.\d{5}$/, `decimal degrees ${r[4]}`);
          assert.match(r[5], /^\d{2}°\d{2}′\d{2}\.\d″N \d{2}°\d{2}′\d{2}\.\d″E$/, `DMS ${r[5]}`);
          assert.match(r[6], /^4[12][RST][A-Z]{2} \d{5} \d{5}$/, `MGRS ${r[6]}`);
        });
      }
      assert.ok(stops > 0, 'no stops on any card');
      await shot(page, `route-cards-${lang}`);
      await page.emulateMedia({ media: 'print' });
      await shot(page, `route-cards-print-${lang}`);
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      await page.emulateMedia({ media: 'screen' });
      writeFileSync(join(ARTIFACTS, `route-cards-${lang}.pdf`), pdf);
      const text = pdf.toString('latin1');
      const pages = (text.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
      assert.equal(pages, cards.length, `${pages} printed pages for ${cards.length} teams`);
      const box = text.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
      assert.ok(box && Math.abs(Number(box[1]) - 595.3) < 2 && Math.abs(Number(box[2]) - 841.9) < 2, `page size ${box?.[1]} × ${box?.[2]} pt is not A4`);
      await page.click('#card-close');
      await page.waitForSelector('[data-testid=route-cards]', { state: 'detached' });
    });
  }

  test('no console errors', async () => {
    await setLang(page, 'en');
    assert.deepEqual(b.errors, []);
  });
});
