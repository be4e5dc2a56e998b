// The planner form plans on the effort-adjusted forecast: the request
// carries the forecast's method and effort=adjusted, and the plan shows
// that it was planned on the adjusted forecast, in English and Russian.
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

describe('plan on the effort-adjusted forecast', () => {
  for (const lang of ['en', 'ru']) {
    test(`the form sends effort=adjusted and the plan records it (${lang})`, async () => {
      await setLang(page, lang);
      await openView(page, 'patrols');
      const teams = page.locator('#p-teams input[type=checkbox]');
      assert.ok(await teams.count() > 0, 'no teams listed');
      if (!(await teams.first().isChecked())) await teams.first().check();
      await page.selectOption('#p-on', 'forecast');
      await page.selectOption('#p-fc-method', 'average');
      await page.selectOption('#p-fc-effort', 'adjusted');
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/patrols/plan') && r.method() === 'POST', { timeout: 120000 });
      const planned = page.waitForResponse((r) => r.url().endsWith('/api/patrols/plan') && r.request().method() === 'POST', { timeout: 120000 });
      await page.click('#p-plan');
      const body = (await sent).postDataJSON();
      assert.equal(body.targets, 'forecast');
      assert.equal(body.forecast.method, 'average');
      assert.equal(body.forecast.effort, 'adjusted');
      const res = await planned;
      assert.equal(res.status(), 201, await res.text());
      const plan = await res.json();
      assert.equal(plan.planned_on.effort, 'adjusted', JSON.stringify(plan.planned_on));
      assert.equal(typeof plan.planned_on.effort_samples, 'number');
      const note = page.locator('[data-testid=plan-on-effort]');
      await note.waitFor({ timeout: 30000 });
      const text = await note.textContent();
      assert.match(text, lang === 'en' ? /patrol effort/ : /усилия патрулей/, text);
      await shot(page, `plan-effort-${lang}`);
    });
  }
});
