// Browser tests of the hot spot view's defaults and legend (see run.sh):
// the default period is the last 24 months of data, the legend sits beside
// the map and folds away, every layer drawn has its legend entry, layers
// drawn together stay apart, and the map cannot be moved off the data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, launch, setLang, shot, signIn, waitIdle } from './lib.mjs';

let b;
let page;
let firstHotspots;
/** cellTiles are the hotspot cell tiles the map fetched (status, type, URL). */
const cellTiles = [];
/** cellRequests are the URLs of the requests to /api/hotspots. */
const cellRequests = [];

before(async () => {
  b = await launch();
  page = b.page;
  page.on('response', (r) => {
    if (r.url().includes('/collections/hotspots/tiles/WebMercatorQuad/')) cellTiles.push({ status: r.status(), type: r.headers()['content-type'], url: r.url() });
  });
  page.on('request', (r) => { if (r.url().includes('/api/hotspots?')) cellRequests.push(r.url()); });
  firstHotspots = page.waitForRequest((r) => r.url().includes('/api/hotspots?'), { timeout: 240000 });
  await signIn(page, process.env.E2E_USER, process.env.E2E_PASSWORD);
  await page.waitForSelector('[data-testid=cells-summary]', { timeout: 120000 });
  await waitIdle(page);
});

after(async () => { await b?.close(); });

/** COVERED is the region the deployment covers (web/src/map.ts). */
const COVERED = [60.5, 29.3, 75.5, 42.2];

/** extentOf is the [w, s, e, n] extent of GeoJSON features. */
function extentOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(visit);
  };
  for (const f of features) visit(f.geometry.coordinates);
  return b;
}

/** assertFits checks that the view [w, s, e, n] fits the data's extent
 * clipped to the covered region: it holds at least 90 % of it, and in one
 * direction at least (the map's shape decides which) it is no more than
 * 1.6 times as wide as the data plus a margin of half a degree. */
function assertFits(view, data, when) {
  const d = [Math.max(data[0], COVERED[0]), Math.max(data[1], COVERED[1]), Math.min(data[2], COVERED[2]), Math.min(data[3], COVERED[3])];
  const [w, s, e, n] = view;
  const area = Math.max(1e-6, (d[2] - d[0]) * (d[3] - d[1]));
  const held = (Math.max(0, Math.min(e, d[2]) - Math.max(w, d[0])) * Math.max(0, Math.min(n, d[3]) - Math.max(s, d[1]))) / area;
  assert.ok(held >= 0.9, `${when}: the view ${view.map((v) => v.toFixed(2))} holds ${(held * 100).toFixed(0)} % of the data's extent ${d.map((v) => v.toFixed(2))}`);
  const tight = e - w <= 1.6 * (d[2] - d[0]) + 0.5 || n - s <= 1.6 * (d[3] - d[1]) + 0.5;
  assert.ok(tight, `${when}: the view ${view.map((v) => v.toFixed(2))} is far wider than the data's extent ${d.map((v) => v.toFixed(2))}`);
}

/** rect is an element's box on the page. */
const rect = (sel) => page.locator(sel).evaluate((el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; });

describe('hot spot view', () => {
  test('the default period is the last 24 months of data', async () => {
    const info = await api(page, '/collections/events');
    const last = info.body.extent.temporal.interval[0][1].slice(0, 7);
    const [y, m] = last.split('-').map(Number);
    const first = new Date(Date.UTC(y, m - 1 - 23, 1)).toISOString().slice(0, 10);
    // The period goes as from/to (or as an OGC datetime interval).
    const q = new URL((await firstHotspots).url()).searchParams;
    const dt = q.get('datetime') ?? (q.get('from') && q.get('to') ? `${q.get('from')}/${q.get('to')}` : null);
    assert.ok(dt, 'the first hot spot request has no period');
    const [from, to] = dt.split('/');
    assert.equal(from.slice(0, 10), first, `period ${dt}, data ends ${last}`);
    assert.equal(to.slice(0, 7), last, `period ${dt}, data ends ${last}`);
  });

  test('the cells on the map come from the hotspot tiles; the analysis is fetched without outlines', async () => {
    await waitIdle(page);
    const drawn = Number(await page.locator('#map').getAttribute('data-rendered-cells'));
    assert.ok(drawn > 0, 'no hotspot cell drawn');
    const full = cellTiles.filter((t) => t.status === 200);
    assert.ok(full.length > 0, `no hotspot tile fetched: ${JSON.stringify(cellTiles.slice(0, 3))}`);
    for (const t of full) assert.equal(t.type, 'application/vnd.mapbox-vector-tile', t.url);
    // The tiles are of the same analysis as the legend: method, grid and period.
    const legendQ = new URL(cellRequests[0]).searchParams;
    const tileQ = new URL(full[0].url).searchParams;
    for (const k of ['method', 'cell_m', 'radius_m', 'min_bin', 'from', 'to']) assert.equal(tileQ.get(k), legendQ.get(k), `tile ${k}`);
    // No request downloads the cells' outlines as GeoJSON.
    const withOutlines = cellRequests.filter((u) => new URL(u).searchParams.get('skipGeometry') !== 'true');
    assert.deepEqual(withOutlines, [], 'hotspot cells downloaded as GeoJSON');
    // The legend counts the analysis' cells: at least one significant.
    const counts = await page.locator('[data-testid=gi-legend] .legend-n').allInnerTexts();
    assert.ok(counts.slice(0, 3).some((c) => c.replace(/\D/g, '') !== '0'), `legend ${counts}`);
  });

  test('the legend sits beside the map, never over it, and folds away', async () => {
    const dock = await rect('[data-testid=legend-dock]');
    let canvas = await rect('#map canvas');
    assert.ok(dock.width > 100, `legend ${dock.width} px wide`);
    assert.ok(dock.right <= canvas.left + 0.5, `the legend (right edge ${dock.right}) covers the map (left edge ${canvas.left})`);
    const wide = canvas.width;
    await page.click('#legend-toggle');
    assert.equal(await page.getAttribute('#legend-toggle', 'aria-expanded'), 'false');
    assert.ok(await page.locator('#map-legend').isHidden(), 'the folded legend still shows its entries');
    await page.waitForFunction((w) => document.querySelector('#map canvas').getBoundingClientRect().width > w + 100, wide);
    const folded = await rect('[data-testid=legend-dock]');
    canvas = await rect('#map canvas');
    assert.ok(folded.width < 50 && folded.right <= canvas.left + 0.5, `folded legend ${folded.width} px, right edge ${folded.right}, map from ${canvas.left}`);
    await shot(page, 'hotspots-legend-folded');
    await page.click('#legend-toggle');
    assert.equal(await page.getAttribute('#legend-toggle', 'aria-expanded'), 'true');
    await page.waitForSelector('#map-legend [data-testid=gi-legend]', { state: 'visible' });
  });

  test('clusters have a legend entry; emerging categories become outlines over Gi* cells; event dots stay on top', async () => {
    const clusters = page.waitForResponse((r) => r.url().includes('/api/clusters?'), { timeout: 180000 });
    await page.check('#show-clusters');
    assert.equal((await clusters).status(), 200);
    const entry = page.locator('[data-testid=clusters-legend] .legend-row');
    await entry.first().waitFor({ timeout: 120000 });
    const n = Number((await entry.first().locator('.legend-n').innerText()).replace(/\D/g, ''));
    const summary = await page.locator('[data-testid=clusters-summary]').innerText();
    assert.ok(summary.includes(String(n)), `legend counts ${n} clusters, summary says "${summary}"`);
    const emerging = page.waitForResponse((r) => r.url().includes('/api/hotspots/emerging?'), { timeout: 180000 });
    await page.check('#show-emerging');
    assert.equal((await emerging).status(), 200);
    await page.waitForSelector('[data-testid=emerging-outlined]', { timeout: 120000 });
    // The emerging swatches are drawn as the map draws them: dashed outlines.
    const styles = await page.locator('[data-testid=emerging-legend] .swatch').evaluateAll((els) => els.map((e) => e.style.borderStyle));
    assert.ok(styles.length > 0 && styles.every((s) => s === 'dashed'), `emerging swatches ${styles}`);
    await waitIdle(page);
    await shot(page, 'hotspots-layers-together');
    await page.uncheck('#show-cells');
    await page.waitForFunction(() => !document.querySelector('[data-testid=emerging-outlined]'));
    const filled = await page.locator('[data-testid=emerging-legend] .swatch').evaluateAll((els) => els.map((e) => e.style.borderStyle));
    assert.ok(filled.every((s) => s === 'solid'), `emerging alone is filled: ${filled}`);
    await page.check('#show-cells');
    await page.uncheck('#show-emerging');
    await page.uncheck('#show-clusters');
    // Event dots: a dark dot in a white ring, listed as such.
    const dots = await page.locator('[data-testid=events-legend] .swatch.dot').count();
    assert.equal(dots, 3, 'seizure, incident and group dots in the legend');
  });

  test('zooming keeps the data in view: zoomed in the view stays on the data, zoomed out the region fills the map', async () => {
    await waitIdle(page);
    const bbox = (await api(page, '/collections/events')).body.extent.spatial.bbox[0];
    const view = async () => (await page.locator('#map').getAttribute('data-bounds')).split(',').map(Number);
    for (let i = 0; i < 3; i++) await page.click('.maplibregl-ctrl-zoom-in');
    await waitIdle(page);
    let [w, s, e, n] = await view();
    assert.ok(w < bbox[2] && e > bbox[0] && s < bbox[3] && n > bbox[1], `zoomed in, the view ${[w, s, e, n]} left the data ${bbox}`);
    await shot(page, 'hotspots-zoomed-in');
    for (let i = 0; i < 12; i++) await page.click('.maplibregl-ctrl-zoom-out');
    await waitIdle(page);
    [w, s, e, n] = await view();
    // The map's bounds stop zooming out near the region, so the view holds
    // most of the data's extent (all of it where the map's shape allows).
    const cover = (Math.max(0, Math.min(e, bbox[2]) - Math.max(w, bbox[0])) * Math.max(0, Math.min(n, bbox[3]) - Math.max(s, bbox[1]))) /
      ((bbox[2] - bbox[0]) * (bbox[3] - bbox[1]));
    assert.ok(cover >= 0.8, `view ${[w, s, e, n]} holds ${(cover * 100).toFixed(0)} % of the data's extent ${bbox}`);
    // Zooming out stops at the covered region (Turkmenistan's coast to
    // Kyrgyzstan's east), not at the world.
    assert.ok(e - w <= 34 && n - s <= 25, `zoomed out to ${(e - w).toFixed(1)}° × ${(n - s).toFixed(1)}°, beyond the region`);
    assert.ok(Number(await page.locator('#map').getAttribute('data-rendered-cells')) > 0, 'zoomed out, no cells drawn');
    await shot(page, 'hotspots-zoomed-out');
  });

  test('changing a filter fits the view to the events it keeps', async () => {
    await waitIdle(page);
    for (const drug of ['opium', 'heroin']) {
      const answer = page.waitForResponse((r) => r.url().includes('/api/hotspots?') && r.url().includes(drug), { timeout: 120000 });
      await page.selectOption('#f-drug', drug);
      const cells = (await (await answer).json()).features.filter((f) => Number(f.properties?.count ?? 0) > 0);
      assert.ok(cells.length > 0, `no cell holds ${drug} events`);
      await waitIdle(page);
      await page.waitForTimeout(300);
      const view = (await page.locator('#map').getAttribute('data-bounds')).split(',').map(Number);
      assertFits(view, extentOf(cells), `drug ${drug}`);
    }
    await shot(page, 'hotspots-fit-filter');
    await page.selectOption('#f-drug', '');
    await waitIdle(page);
  });

  test('the legend reads in Russian', async () => {
    await setLang(page, 'ru');
    await page.check('#show-clusters');
    await page.waitForSelector('[data-testid=clusters-legend]', { timeout: 120000 });
    assert.equal(await page.locator('[data-testid=clusters-legend] .legend-title').innerText(), 'Кластеры DBSCAN');
    assert.equal(await page.getAttribute('#legend-toggle', 'title'), 'Свернуть легенду');
    await shot(page, 'hotspots-legend-ru');
    await page.uncheck('#show-clusters');
    await setLang(page, 'en');
  });

  test('no console errors', () => {
    assert.deepEqual(b.errors, []);
  });
});
