// The map's colours meet WCAG 2.1's 3:1 non-text contrast (1.4.11): every
// feature's outline against each basemap colour, and event dots, by their
// fill or their white ring, against every cell colour they are drawn over.
// Relative luminance and contrast ratio as WCAG 2.1 defines them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const palette = JSON.parse(readFileSync(new URL('../src/palette.json', import.meta.url), 'utf8'));

/** luminance is the relative luminance of a #rrggbb colour. */
export function luminance(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** contrast is the WCAG contrast ratio of two colours, 1 to 21. */
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

const bases = Object.entries(palette.basemap);

describe('map colours', () => {
  test('the contrast formula matches worked examples', () => {
    assert.equal(contrast('#000000', '#ffffff'), 21);
    assert.equal(contrast('#777777', '#777777'), 1);
    // #767676 on white is the well-known 4.54:1 grey.
    assert.ok(Math.abs(contrast('#767676', '#ffffff') - 4.54) < 0.01, contrast('#767676', '#ffffff'));
  });

  const outlines = [
    ...Object.entries(palette.gi).filter(([k]) => k !== '0').map(([k, v]) => [`Gi* bin ${k}`, v.line]),
    ...Object.entries(palette.emerging).map(([k, v]) => [k, v.line]),
    ['density cells', palette.seq.line], ['DBSCAN clusters', palette.clusters.line], ['sectors', palette.sectors.line],
    ['selected sector', palette.sectors.selected],
    ['seizure dots', palette.events.seizure], ['incident dots', palette.events.incident], ['event groups', palette.events.group],
  ];
  for (const [name, colour] of outlines) {
    test(`${name} (${colour}) stands out from the basemap`, () => {
      for (const [base, bg] of bases) {
        const r = contrast(colour, bg);
        assert.ok(r >= 3, `${name} ${colour} on ${base} ${bg}: ${r.toFixed(2)}:1`);
      }
    });
  }

  test('event dots stand out from every cell colour', () => {
    const fills = [...Object.values(palette.gi).map((v) => v.fill), ...Object.values(palette.emerging).map((v) => v.fill), ...palette.seq.fills];
    for (const kind of ['seizure', 'incident', 'group']) {
      for (const f of fills) {
        const r = Math.max(contrast(palette.events[kind], f), contrast(palette.events.ring, f));
        assert.ok(r >= 3, `${kind} dot ${palette.events[kind]} with ring ${palette.events.ring} over ${f}: ${r.toFixed(2)}:1`);
      }
    }
  });
});
