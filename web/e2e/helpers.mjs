// What the browser tests of the shell (accessibility, language, weight,
// route cards) share: a Chromium profile of their own, sign-in, views,
// screenshots and the axe-core check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
export const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
export const USER = process.env.E2E_USER ?? 'e2e';
export const PASSWORD = process.env.E2E_PASSWORD ?? '';
if (!BASE_URL) throw new Error('BASE_URL is not set; run web/e2e/run.sh');

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** launch starts Chromium with a fresh profile (an empty HTTP cache). */
export async function launch(opts = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...opts,
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text() + ' ' + JSON.stringify(m.location())); });
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  // The machine may be loaded by other work: on a shared machine at load
  // 40 the first screen took three minutes to settle.
  context.setDefaultTimeout(300000);
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context, page, errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** signIn opens the client and signs in; it resolves when the shell is ready. */
export async function signIn(page, user = USER, password = PASSWORD) {
  await page.goto(BASE_URL + '/');
  await page.waitForSelector('[data-testid=login]', { timeout: 120000 });
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready=true]', { timeout: 400000 });
}

/** openView clicks a view's tab and waits for its panel. */
export async function openView(page, id) {
  await page.locator(`.tab[data-view="${id}"]`).click();
  await page.waitForSelector(`#panel[data-view="${id}"]`);
}

/** setLang switches the interface language with the top bar's selector. */
export async function setLang(page, lang) {
  await page.selectOption('#lang', lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** shot keeps a screenshot of the page in the artefacts folder. */
export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** axe runs axe-core on the page and returns its violations (WCAG 2.x A and AA rules and best practices). */
export async function axe(page) {
  // Evaluated through the DevTools protocol, which the page's Content
  // Security Policy (no inline scripts) does not govern.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

/** viewIds lists the views the signed-in user has, in tab order. */
export async function viewIds(page) {
  return page.$$eval('.tab[data-view]', (els) => els.map((e) => e.dataset.view));
}
