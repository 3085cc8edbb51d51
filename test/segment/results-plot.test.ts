// A segment run's results.png against v7.0's plot_results_with_masks on the same results.csv
// (test/fixtures/segment/make_results_with_masks.py): 16 panels in v7.0's order with its titles (column name and the
// value at the best epoch, NumPy-rounded), the red star at the best epoch by the box + mask fitness, the legend, and a
// 3600×1200 picture.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { parseResultsCsv, plotResultsWithMasks, segmentResultsPanels } from '../../src/plot/results-plot.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tsyolo-seg-results-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Expected {
  size: [number, number];
  panels: Array<{ title: string; star: [number, number]; line_points: number }>;
  legend: string[];
}
const expected = JSON.parse(readFileSync(`${FIX}results_seg_expected.json`, 'utf8')) as Expected;

test('results.png panels: v7.0 plot_results_with_masks titles, order and best-epoch stars', () => {
  const table = parseResultsCsv(readFileSync(`${FIX}results_seg.csv`, 'utf8'));
  const { best, panels } = segmentResultsPanels(table);
  assert.equal(best, 2, 'the fixture makes epoch 2 best (not the last, not the best box mAP alone)');
  assert.equal(panels.length, 16);
  assert.deepEqual(panels.map((p) => p.title), expected.panels.map((p) => p.title));
  panels.forEach((p, i) => {
    assert.equal(p.star[0], expected.panels[i]!.star[0]);
    assert.ok(Math.abs(p.star[1] - expected.panels[i]!.star[1]) <= 1e-12, `${p.title}: star ${p.star[1]} vs ${expected.panels[i]!.star[1]}`);
  });
});

test('results.png is written at v7.0 size, with the legend of the second panel, and is not blank', async () => {
  const csv = join(work, 'results.csv');
  copyFileSync(`${FIX}results_seg.csv`, csv);
  const r = await plotResultsWithMasks(csv);
  assert.equal(r.path, join(work, 'results.png'));
  // v7.0's stem is its own file's ('results'); the legend's second entry is the best epoch.
  assert.deepEqual(r.legend, expected.legend);
  const { data, info } = await sharp(r.path).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], expected.size);
  // Pure red (the stars: 16 panels, one each) and the tab:blue data lines are present.
  let red = 0, blue = 0;
  for (let p = 0; p < data.length; p += info.channels) {
    if (data[p] === 255 && data[p + 1] === 0 && data[p + 2] === 0) red++;
    if (data[p] === 31 && data[p + 1] === 119 && data[p + 2] === 180) blue++;
  }
  assert.ok(red > 16 * 50, `red star pixels: ${red}`);
  assert.ok(blue > 16 * 200, `data line pixels: ${blue}`);
});

test('a detection results.csv is refused for the segment plot, naming the file', async () => {
  const csv = join(work, 'det.csv');
  copyFileSync(`${FIX}results_seg.csv`, csv);
  const text = readFileSync(csv, 'utf8').split('\n').map((l) => l.split(',').slice(0, 11).join(',')).join('\n');
  const table = parseResultsCsv(text);
  assert.throws(() => segmentResultsPanels(table, csv), /det\.csv: 11 columns, a segment results\.csv has 20/);
});
