// Browser tests of the agencies in filters and of the admin view (see
// run.sh): users, tokens, and the audit log with its verification, in
// English and Russian.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, api, launch, openView, setLang, shot, signIn } from './lib.mjs';

let b;
let page;
const NEW_USER = `e2e-u${Date.now() % 100000}`;
const NEW_PASSWORD = 'a long password 1';

before(async () => {
  b = await launch();
  page = b.page;
  await signIn(page, process.env.E2E_USER, process.env.E2E_PASSWORD);
});

after(async () => { await b?.close(); });

/** loginStatus is the status of a sign-in from outside the page. */
async function loginStatus(user, password) {
  const r = await fetch(BASE_URL + '/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
  return r.status;
}

describe('agencies and admin', () => {
  test('every agency of the data can be chosen in the filters', async () => {
    const all = (await api(page, '/api/agencies')).body.agencies.map((a) => a.id);
    assert.ok(all.length >= 18, `the demo has ${all.length} agencies`);
    const offered = await page.locator('#f-agency option').evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
    assert.deepEqual(offered, [...all].sort());
    await openView(page, 'sectors');
    const sec = await page.locator('#s-agency option').evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
    assert.deepEqual(sec, [...all].sort());
  });

  test('an admin creates a user (a short password is named next to its field), and disabling them stops their sign-in', async () => {
    await openView(page, 'admin');
    await page.waitForSelector('[data-testid=admin-users] table');
    await page.fill('#u-name', NEW_USER);
    await page.selectOption('#u-role', 'analyst');
    await page.fill('#u-pass', 'short');
    await page.evaluate(() => document.querySelector('#u-pass').removeAttribute('minlength'));
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/users') && r.request().method() === 'POST');
    await page.click('#u-create');
    assert.equal((await refused).status(), 400);
    await page.waitForSelector('#u-pass[aria-invalid=true] + [data-slot] [data-field-error=password]');
    await page.fill('#u-name', NEW_USER);
    await page.fill('#u-pass', NEW_PASSWORD);
    const created = page.waitForResponse((r) => r.url().endsWith('/api/users') && r.request().method() === 'POST');
    await page.click('#u-create');
    assert.equal((await created).status(), 201);
    const row = page.locator(`[data-testid=admin-users] tr[data-user="${NEW_USER}"]`);
    await row.waitFor();
    assert.equal(await loginStatus(NEW_USER, NEW_PASSWORD), 200);
    await row.locator('[data-action=disable]').click();
    await page.locator(`[data-testid=admin-users] tr[data-user="${NEW_USER}"] [data-action=enable]`).waitFor();
    assert.equal(await loginStatus(NEW_USER, NEW_PASSWORD), 401, 'a disabled user signed in');
    await shot(page, 'admin-users');
  });

  test('a token is shown once, works, and stops working when revoked', async () => {
    await page.fill('#k-label', 'e2e export');
    await page.selectOption('#k-role', 'viewer');
    await page.fill('#k-ttl', '24');
    await page.click('#k-create');
    const secret = (await page.locator('[data-testid=token-secret] code').innerText()).trim();
    assert.match(secret, /^bw_/);
    const me = async () => (await fetch(BASE_URL + '/api/me', { headers: { Authorization: `Bearer ${secret}` } })).status;
    assert.equal(await me(), 200);
    const row = page.locator('[data-testid=admin-tokens] tbody tr', { hasText: 'e2e export' }).first();
    await row.locator('[data-action=revoke]').click();
    await page.locator('[data-testid=admin-tokens] tbody tr', { hasText: 'e2e export' }).first().locator('[data-action=revoke]').waitFor({ state: 'detached' });
    assert.equal(await me(), 401, 'a revoked token still works');
  });

  test('the audit log lists the agency entries and the verification of the whole log', async () => {
    await page.click('#audit-verify');
    await page.waitForSelector('[data-testid=audit-verification]');
    assert.equal(await page.getAttribute('[data-testid=audit-verification]', 'data-intact'), 'true',
      await page.locator('[data-testid=audit-verification]').innerText());
    const v = (await api(page, '/api/audit/verify')).body;
    assert.match(await page.locator('[data-testid=audit-verification]').innerText(), new RegExp(`${v.entries.toLocaleString('en-GB')}|${v.entries}`));
    await page.locator('[data-testid=audit-table] tbody td:nth-child(4)', { hasText: `user:${NEW_USER}` }).first().waitFor();
    const actions = await page.locator(`[data-testid=audit-table] tbody tr:has(td:nth-child(4):text-is("user:${NEW_USER}")) td:nth-child(3)`).allInnerTexts();
    assert.ok(actions.includes('user.create') && actions.includes('user.update'), `audit entries of the new user: ${actions}`);
    await shot(page, 'admin-audit');
  });

  test('sharing agreements are one click away, with the pending proposals', async () => {
    await page.click('a[href="#sharing"]');
    await page.waitForSelector('#panel[data-view=sharing] [data-testid=share-pending-count]');
    await openView(page, 'admin');
  });

  test('the admin view reads in Russian', async () => {
    await setLang(page, 'ru');
    assert.equal((await page.locator('[data-testid=admin-audit] h2').innerText()).toLowerCase(), 'журнал аудита');
    assert.match(await page.locator('[data-testid=audit-verification]').innerText(), /Журнал цел/);
    await shot(page, 'admin-ru');
    await setLang(page, 'en');
  });

  test('no console errors', () => {
    // Chromium logs the 400 the short password was refused with; nothing else may appear.
    assert.deepEqual(b.errors.filter((e) => !/status of 400 .*\/api\/users"/.test(e)), []);
  });
});
