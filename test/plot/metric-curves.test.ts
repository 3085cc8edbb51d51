import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { boxFilterSmooth, mcMeanLabel, plotMcCurve, plotPrCurve, prMeanLabel } from '../../src/plot/metric-curves.ts';

const close = (a: ArrayLike<number>, b: number[]) => {
  assert.equal(a.length, b.length);
  b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < 1e-12, `index ${i}: ${a[i]} vs ${v}`));
};

test('boxFilterSmooth equals YOLOv5 smooth() (values printed by numpy)', () => {
  const y = [3, 0, 0, 10, 0, 0, 0, 0, 0, 0];
  // f=0.25: nf = round(5)//2+1 = 3 taps, edges padded with y[0] and y[-1]
  close(boxFilterSmooth(y, 0.25), [2, 1, 10 / 3, 10 / 3, 10 / 3, 0, 0, 0, 0, 0]);
  // f=0.1: nf = 2 (even), numpy's 'valid' convolution returns len + 1 values
  close(boxFilterSmooth(y, 0.1), [3, 1.5, 0, 5, 5, 0, 0, 0, 0, 0, 0]);
  assert.equal(boxFilterSmooth(new Float64Array(1000), 0.05).length, 1000); // 51 taps
});

test('legend texts of the mean lines', () => {
  const ap = new Float64Array(30);
  ap[0] = 0.5; ap[10] = 0.6; ap[20] = 0.7;
  assert.equal(prMeanLabel(ap), 'all classes 0.600 mAP@0.5');
  const px = Float64Array.from({ length: 1000 }, (_, i) => i / 999);
  const curve = Float64Array.from(px, (_, j) => 0.61 - Math.abs(j - 372) * 1e-4);
  const smoothed = boxFilterSmooth(curve, 0.05);
  assert.equal(mcMeanLabel(px, smoothed), 'all classes 0.61 at 0.372'); // px[372] = 0.37237
});

function curves(nc: number): { px: Float64Array; py: Float64Array; ap: Float64Array } {
  const n = 1000;
  const px = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const py = new Float64Array(nc * n);
  const ap = new Float64Array(nc * 10);
  for (let c = 0; c < nc; c++) {
    for (let j = 0; j < n; j++) py[c * n + j] = Math.max(0, 1 - px[j]! ** (2 + c));
    ap[c * 10] = 0.4 + 0.01 * c;
  }
  return { px, py, ap };
}

async function countPixels(file: string, predicate: (r: number, g: number, b: number) => boolean) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels) if (predicate(data[i]!, data[i + 1]!, data[i + 2]!)) n++;
  return { n, info };
}

test('PR and F1 curves are 2250x1500 PNGs with a bold blue mean line; many classes are drawn grey', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-curves-'));
  try {
    const few = curves(3);
    await plotPrCurve(few.px, few.py, few.ap, join(dir, 'PR_curve.png'), ['a', 'b', 'c']);
    const pr = await countPixels(join(dir, 'PR_curve.png'), (r, g, b) => r < 30 && g < 30 && b > 225);
    assert.deepEqual([pr.info.width, pr.info.height], [2250, 1500]);
    assert.ok(pr.n > 5000, `blue mean-line pixels: ${pr.n}`);

    const many = curves(25);
    await plotMcCurve(many.px, many.py, join(dir, 'F1_curve.png'), [], 'Confidence', 'F1');
    const grey = await countPixels(join(dir, 'F1_curve.png'), (r, g, b) => r === g && g === b && r > 110 && r < 145);
    assert.deepEqual([grey.info.width, grey.info.height], [2250, 1500]);
    assert.ok(grey.n > 2000, `grey class-line pixels: ${grey.n}`);

    await assert.rejects(plotPrCurve(few.px, few.py.subarray(1), few.ap, join(dir, 'x.png')), /whole number of rows/);
    await assert.rejects(plotPrCurve(few.px, few.py, few.ap.subarray(10), join(dir, 'x.png')), /ap has 2 classes/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
