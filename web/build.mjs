// Builds the web client from src/ into dist/ (committed, embedded by
// embed.go). Asset names carry a content hash; index.html is written last
// with the hashed names. Run through scripts/build-web.sh.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const app = join(dist, 'app');
rmSync(dist, { recursive: true, force: true });
mkdirSync(app, { recursive: true });

const hash = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 10);

// MapLibre runs its tile work in a module worker loaded from its own file.
const workerSrc = join(root, 'node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs');
const worker = readFileSync(workerSrc);
const workerName = `maplibre-gl-worker-${hash(worker)}.mjs`;
writeFileSync(join(app, workerName), worker);

const result = await esbuild.build({
  entryPoints: [join(root, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  outdir: app,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  publicPath: '/app/',
  loader: { '.woff2': 'file' },
  define: { __WORKER_URL__: JSON.stringify('/app/' + workerName) },
  metafile: true,
  logLevel: 'warning',
});

let js = '', css = '';
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint && out.endsWith('.js')) js = basename(out);
  if (out.endsWith('.css')) css = basename(out);
}
if (!js || !css) throw new Error('build produced no script or no stylesheet');

const html = readFileSync(join(root, 'src/index.html'), 'utf8')
  .replace('%CSS%', '/app/' + css)
  .replace('%JS%', '/app/' + js);
writeFileSync(join(dist, 'index.html'), html);

// Licences of the bundled third-party code and fonts.
const licences = [
  ['MapLibre GL JS (BSD-3-Clause)', 'node_modules/maplibre-gl/LICENSE.txt'],
  ['Noto Sans (SIL Open Font License 1.1)', 'node_modules/@fontsource/noto-sans/LICENSE'],
];
writeFileSync(join(app, 'THIRD-PARTY-LICENSES.txt'), licences
  .map(([title, file]) => `== ${title}\n\n${readFileSync(join(root, file), 'utf8').trim()}\n`).join('\n'));

for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  console.log(`${basename(out).padEnd(48)} ${(meta.bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
console.log(`${workerName.padEnd(48)} ${(worker.length / 1024).toFixed(1).padStart(8)} KiB`);
