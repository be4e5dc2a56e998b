// Accessibility of every view in both languages (axe-core, no critical
// finding; no unlabelled input at all), a screenshot of each view, the
// keyboard: the skip link, the tabs as a WAI-ARIA tab list with arrow keys,
// sector rows; and the top bar at 800 px.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, launch, openView, setLang, shot, signIn, viewIds } from './helpers.mjs';

let b;
let page;

before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page);
});

after(async () => { await b?.close(); });

/** settle waits until a view has drawn what it loads (no "Loading…" left). */
async function settle() {
  await page.waitForFunction(() => !document.querySelector('#panel .loading, #panel .busy'), null, { timeout: 120000 }).catch(() => undefined);
  await page.waitForTimeout(300);
}

describe('accessibility', () => {
  for (const lang of ['en', 'ru']) {
    test(`every view in ${lang}: no critical axe finding, every input labelled; a screenshot of each`, async () => {
      await setLang(page, lang);
      const views = await viewIds(page);
      assert.ok(views.length >= 8, `only ${views.length} views for an admin`);
      const critical = [];
      const unlabelled = [];
      for (const id of views) {
        await openView(page, id);
        await settle();
        await shot(page, `view-${id}-${lang}`);
        for (const v of await axe(page)) {
          if (v.impact === 'critical') critical.push(`${id}: ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
          if (['label', 'select-name', 'button-name', 'input-button-name'].includes(v.id)) unlabelled.push(`${id}: ${v.id} at ${v.nodes.join(', ')}`);
        }
      }
      assert.deepEqual(critical, [], 'critical axe findings');
      assert.deepEqual(unlabelled, [], 'inputs, selects or buttons without a name');
    });
  }

  test('the skip link is the first stop of the keyboard and moves the focus to the panel', async () => {
    await setLang(page, 'en');
    await openView(page, 'hotspots');
    // Start the keyboard at the top of the page, as after loading it.
    await page.evaluate(() => {
      const start = document.createElement('span');
      start.tabIndex = -1;
      document.body.prepend(start);
      start.focus();
      start.remove();
    });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'skip-link');
    assert.ok(await page.locator('#skip-link').isVisible(), 'the focused skip link is not visible');
    await shot(page, 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'panel');
    assert.match(await page.evaluate(() => location.hash), /^#hotspots|^$/, 'the skip link changed the view');
  });

  test('the tabs follow the WAI-ARIA tabs pattern: one in the tab order, arrows, Home and End open views', async () => {
    await openView(page, 'hotspots');
    const views = await viewIds(page);
    const state = () => page.evaluate(() => ({
      focused: document.activeElement?.getAttribute('data-view'),
      selected: document.querySelector('.tab[aria-selected=true]')?.getAttribute('data-view'),
      panel: document.getElementById('panel')?.dataset.view,
      labelledBy: document.getElementById('panel')?.getAttribute('aria-labelledby'),
      inOrder: [...document.querySelectorAll('.tab')].filter((e) => e.tabIndex === 0).length,
    }));
    await page.locator('.tab[data-view=hotspots]').focus();
    let s = await state();
    assert.equal(s.inOrder, 1, 'more than one tab in the tab order');
    assert.equal(s.labelledBy, 'tab-hotspots');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`#panel[data-view="${views[1]}"]`);
    s = await state();
    assert.deepEqual([s.focused, s.selected, s.panel], [views[1], views[1], views[1]], 'ArrowRight');
    await page.keyboard.press('End');
    await page.waitForSelector(`#panel[data-view="${views.at(-1)}"]`);
    s = await state();
    assert.deepEqual([s.focused, s.selected], [views.at(-1), views.at(-1)], 'End');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`#panel[data-view="${views[0]}"]`);
    assert.equal((await state()).focused, views[0], 'ArrowRight wraps to the first tab');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`#panel[data-view="${views.at(-1)}"]`);
    await page.keyboard.press('Home');
    await page.waitForSelector(`#panel[data-view="${views[0]}"]`);
    s = await state();
    assert.deepEqual([s.focused, s.selected, s.labelledBy], [views[0], views[0], `tab-${views[0]}`], 'Home');
  });

  test('sector rows open with the keyboard', async () => {
    await openView(page, 'sectors');
    await page.waitForSelector('[data-testid=sector-table] tbody tr', { timeout: 120000 });
    const row = page.locator('[data-testid=sector-table] tbody tr').nth(1);
    assert.equal(await row.getAttribute('tabindex'), '0', 'sector rows are not in the tab order');
    await row.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=sector-table] tbody tr.selected', { timeout: 120000 });
    await page.waitForSelector('[data-testid=side-by-side]', { timeout: 120000 });
    await page.locator('[data-testid=sector-table] tbody tr').first().focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('[data-testid=sector-table] tbody tr')].indexOf(document.activeElement)), 1, 'ArrowDown');
    await shot(page, 'sectors-keyboard');
  });

  test('the top bar works at 800 px: every tab and control on screen, none overlapping, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    try {
      for (const lang of ['en', 'ru']) {
        await setLang(page, lang);
        await page.waitForTimeout(200);
        const r = await page.evaluate(() => {
          const boxes = [...document.querySelectorAll('.topbar .tab, .topbar-right > *')]
            .filter((e) => getComputedStyle(e).display !== 'none')
            .map((e) => { const b = e.getBoundingClientRect(); return { name: e.textContent?.trim().slice(0, 20), l: b.left, r: b.right, t: b.top, b: b.bottom }; });
          const overlaps = [];
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], c = boxes[j];
            if (a.l < c.r - 1 && c.l < a.r - 1 && a.t < c.b - 1 && c.t < a.b - 1) overlaps.push(`${a.name} / ${c.name}`);
          }
          return {
            off: boxes.filter((x) => x.l < 0 || x.r > window.innerWidth + 0.5).map((x) => x.name),
            overlaps, scroll: document.documentElement.scrollWidth, width: window.innerWidth,
            mapHeight: document.getElementById('map')?.getBoundingClientRect().height ?? 0,
          };
        });
        assert.deepEqual(r.off, [], `${lang}: top bar items off screen`);
        assert.deepEqual(r.overlaps, [], `${lang}: top bar items overlap`);
        assert.ok(r.scroll <= r.width, `${lang}: the page scrolls sideways (${r.scroll} > ${r.width})`);
        assert.ok(r.mapHeight > 300, `${lang}: the map is ${r.mapHeight} px high`);
        await shot(page, `topbar-800-${lang}`);
      }
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
      await setLang(page, 'en');
    }
  });

  test('no console errors', () => {
    assert.deepEqual(b.errors.filter((e) => !/401/.test(e)), []);
  });
});
