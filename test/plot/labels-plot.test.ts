import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { classColor } from '../../src/plot/colors.ts';
import { histogram2d, plotLabels, saturationCount } from '../../src/plot/labels-plot.ts';

test('histogram2d bins like numpy.histogram2d over the data range (last bin closed)', () => {
  // numpy: histogram2d([.3,.1,.2,.9,.5], [.1,.1,.4,.8,.9], (linspace(.1,.9,3), linspace(.1,.9,3))) -> [[3,0],[0,2]]
  const h = histogram2d([0.3, 0.1, 0.2, 0.9, 0.5], [0.1, 0.1, 0.4, 0.8, 0.9], 2);
  assert.deepEqual(Array.from(h.counts), [3, 0, 0, 2]);
  assert.deepEqual(Array.from(h.xEdges), [0.1, 0.5, 0.9]);
});

test("saturationCount is seaborn's pmax level: cells above it hold 1 - pmax of the data", () => {
  assert.equal(saturationCount([10, ...Array(90).fill(1)], 0.9), 10); // the top cell alone holds 10 %
  assert.equal(saturationCount([9, ...Array(91).fill(1)], 0.9), 1); // 9 % is not enough: next cell
  assert.equal(saturationCount([5, 3, 1, 1, 0], 0.9), 5);
});

test('plotLabels writes a 1600x1600 JPEG with bars in the class colours', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-labels-'));
  try {
    const n = 400;
    const labels = new Float32Array(n * 5);
    for (let i = 0; i < n; i++) {
      const cls = i % 4 === 0 ? 1 : 0; // 300 of class 0, 100 of class 1
      labels.set([cls, 0.2 + (0.6 * ((i * 37) % 100)) / 100, 0.3 + (0.4 * ((i * 61) % 100)) / 100, 0.05 + (i % 10) / 40, 0.05 + (i % 7) / 30], i * 5);
    }
    const file = join(dir, 'labels.jpg');
    await plotLabels(labels, ['person', 'car'], file);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [1600, 1600]);
    const near = (c: readonly number[], x: number, y: number) => {
      const i = (y * info.width + x) * info.channels;
      return Math.abs(data[i]! - c[0]!) < 20 && Math.abs(data[i + 1]! - c[1]!) < 20 && Math.abs(data[i + 2]! - c[2]!) < 20;
    };
    let bar0 = 0, bar1 = 0;
    for (let y = 0; y < 800; y += 2) {
      for (let x = 0; x < 800; x += 2) {
        if (near(classColor(0), x, y)) bar0++;
        if (near(classColor(1), x, y)) bar1++;
      }
    }
    assert.ok(bar0 > 2000 && bar1 > 500, `bar pixels class 0: ${bar0}, class 1: ${bar1}`);
    assert.ok(bar0 > 2 * bar1, 'the class-0 bar is three times as tall');
    await assert.rejects(plotLabels(new Float32Array(7), [], file), /\(cls, x, y, w, h\) rows/);
    await assert.rejects(plotLabels(new Float32Array([0.5, 0.5, 0.5, 0.1, 0.1]), [], file), /class id 0.5/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
