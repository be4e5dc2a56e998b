// Shared set-up of the browser tests: Chromium with a fresh profile, sign-in
// through the login form, switching views and screenshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
export const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
if (!BASE_URL) throw new Error('BASE_URL is not set; run web/e2e/run.sh');

/** launch starts Chromium with a fresh profile; close() ends it and removes the profile. */
export async function launch(viewport = { width: 1440, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    locale: 'en-GB',
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  const watch = (p) => {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text() + ' ' + JSON.stringify(m.location())); });
    p.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    return p;
  };
  const page = watch(context.pages()[0] ?? await context.newPage());
  // A machine loaded by other work renders the map slowly: wait longer than Playwright's 30 s.
  context.setDefaultTimeout(120000);
  return {
    context, page, errors,
    newPage: async () => watch(await context.newPage()),
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** signIn signs user in through the login form and waits for the app. */
export async function signIn(page, user, password) {
  await page.goto(BASE_URL + '/');
  await page.waitForSelector('[data-testid=login]', { timeout: 30000 });
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password);
  await page.click('#login-submit');
  try {
    // A loaded machine takes a minute or more to start the app.
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { polling: 500, timeout: 180000 });
  } catch (e) {
    // Say what the page shows instead of the app.
    const panel = await page.locator('#panel').innerText().catch(() => '');
    throw new Error(`the app did not start after signing in as ${user}: ${panel || e.message}`);
  }
}

/** openView switches to a tab and waits for its panel. */
export async function openView(page, id) {
  await page.locator(`.tab[data-view="${id}"]`).click();
  await page.waitForSelector(`#panel[data-view="${id}"]`);
}

/** setLang switches the interface language with the top bar's select. */
export async function setLang(page, lang) {
  await page.selectOption('#lang', lang);
  await page.waitForFunction((l) => document.documentElement.lang === l || document.querySelector('#lang')?.value === l, lang);
}

/** shot keeps a screenshot of the page as a test artefact. */
export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** waitIdle waits until the map has drawn everything it was given. */
export async function waitIdle(page, timeout = 30000) {
  await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true', null, { timeout });
}

/** api calls the service with the page's session token. */
export async function api(page, path, init = {}) {
  // A loaded machine drops a request now and then: try a read three times.
  for (let i = 1; ; i++) {
    try {
      return await apiOnce(page, path, init);
    } catch (e) {
      if (i === 3 || (init.method && init.method !== 'GET')) throw e;
    }
  }
}

async function apiOnce(page, path, init) {
  return page.evaluate(async ([p, i]) => {
    const r = await fetch(p, { ...i, headers: { Authorization: `Bearer ${sessionStorage.getItem('bw.token')}`, Accept: 'application/json', ...(i.headers ?? {}) } });
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: r.status, body };
  }, [path, init]);
}
