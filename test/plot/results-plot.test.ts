import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { gaussianFilter1d, parseResultsCsv, plotLines, plotResults } from '../../src/plot/results-plot.ts';

// Written by hand in YOLOv5's format: "%20s," header and "%20.5g," values, trailing comma stripped.
const HEADER =
  '               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,' +
  '      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,' +
  '        val/cls_loss,               x/lr0,               x/lr1,               x/lr2';
const ROWS = [
  '                   0,            0.095842,            0.041277,            0.026153,           0.0012346,' +
    '            0.089744,          0.00084317,          0.00021563,            0.074426,            0.028735,' +
    '            0.021047,              0.0703,           0.0033111,           0.0033111',
  '                   1,             0.07813,            0.039001,            0.020334,             0.41806,' +
    '             0.23457,              0.1998,             0.06771,            0.061163,            0.026218,' +
    '            0.016115,            0.040234,           0.0065784,           0.0065784',
  '                   2,            0.068497,            0.037465,            0.016861,             0.55473,' +
    '             0.41975,             0.38817,             0.16592,            0.053045,            0.024493,' +
    '            0.012712,           0.0098334,            0.009802,            0.009802',
];
const CSV = [HEADER, ...ROWS].join('\n') + '\n';

test('parseResultsCsv reads the padded YOLOv5 columns and values', () => {
  const t = parseResultsCsv(CSV);
  assert.equal(t.columns.length, 14);
  assert.equal(t.columns[0], 'epoch');
  assert.equal(t.columns[7], 'metrics/mAP_0.5:0.95');
  assert.equal(t.columns[13], 'x/lr2');
  assert.deepEqual(Array.from(t.values[0]!), [0, 1, 2]);
  assert.deepEqual(Array.from(t.values[6]!), [0.00084317, 0.1998, 0.38817]);
  assert.deepEqual(Array.from(t.values[11]!), [0.0703, 0.040234, 0.0098334]);
  assert.ok(Number.isNaN(parseResultsCsv('a,b\n1,nan\n').values[1]![0]!));
  assert.throws(() => parseResultsCsv('a,b\n1\n', 'r.csv'), /r\.csv:2: 1 values but the header has 2/);
  assert.throws(() => parseResultsCsv('a,b\n1,x\n', 'r.csv'), /column 'b' value 'x'/);
});

test('gaussianFilter1d matches scipy: normalised kernel of radius int(4σ+0.5), reflect edges', () => {
  const sigma = 3, radius = 12;
  const w = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = w.reduce((a, b) => a + b, 0);
  const impulse = new Float64Array(41);
  impulse[20] = 1;
  const out = gaussianFilter1d(impulse, sigma);
  for (let k = -radius; k <= radius; k++) assert.ok(Math.abs(out[20 + k]! - w[k + radius]! / total) < 1e-15);
  assert.equal(out[20 - radius - 1], 0);
  const flat = gaussianFilter1d([0.5, 0.5, 0.5, 0.5], sigma);
  flat.forEach((v) => assert.ok(Math.abs(v - 0.5) < 1e-15));

  // Three points, σ=1 (radius 4): scipy's 'reflect' extends abc as …cc b a|a b c|c b a a…, written out by hand.
  const y = [1, 2, 4];
  const extended = [4, 4, 2, 1, 1, 2, 4, 4, 2, 1, 1];
  const w1 = Array.from({ length: 9 }, (_, i) => Math.exp(-((i - 4) ** 2) / 2));
  const t1 = w1.reduce((a, b) => a + b, 0);
  const expected = [0, 1, 2].map((i) => w1.reduce((s, wk, k) => s + wk * extended[i + k]!, 0) / t1);
  const got = gaussianFilter1d(y, 1);
  expected.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-12, `index ${i}: ${got[i]} vs ${v}`));
});

test('plotResults writes results.png (2400x1200) next to the CSV; plotLines writes its chart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-results-'));
  try {
    const csv = join(dir, 'results.csv');
    await writeFile(csv, CSV);
    const out = await plotResults(csv);
    assert.equal(out, join(dir, 'results.png'));
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 2400, 1200]);

    await writeFile(csv, 'epoch,train/box_loss\n0,1\n');
    await assert.rejects(plotResults(csv), /no 'train\/obj_loss' column/);

    const x = [0, 1, 2, 3];
    const lines = join(dir, 'compare.png');
    await plotLines({
      series: [{ name: 'run A', x, y: [0.1, 0.3, 0.4, 0.45] }, { name: 'run B', x, y: [0.05, 0.2, 0.35, 0.5] }],
      title: 'mAP@0.5',
      xlabel: 'epoch',
      ylabel: 'mAP@0.5',
      path: lines,
    });
    const lm = await sharp(lines).metadata();
    assert.deepEqual([lm.format, lm.width, lm.height], ['png', 1200, 750]);
    await assert.rejects(plotLines({ series: [], path: lines }), /no series/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
