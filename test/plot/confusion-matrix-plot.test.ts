import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { normalizeColumns, plotConfusionMatrix } from '../../src/plot/confusion-matrix-plot.ts';

test('normalizeColumns divides each column by its sum; empty columns stay zero', () => {
  const m = [2, 0, 1, 1, 0, 1, 1, 0, 0]; // rows predicted, columns true
  const out = normalizeColumns(m, 3);
  const expected = [0.5, 0, 0.5, 0.25, 0, 0.5, 0.25, 0, 0];
  expected.forEach((v, i) => assert.ok(Math.abs(out[i]! - v) < 1e-9, `cell ${i}: ${out[i]}`));
  for (const c of [0, 2]) assert.ok(Math.abs(out[c]! + out[3 + c]! + out[6 + c]! - 1) < 1e-9);
  assert.equal(out[1]! + out[4]! + out[7]!, 0);
  assert.throws(() => normalizeColumns([1, 2, 3], 2), /2x2/);
});

test('plotConfusionMatrix writes a 3000x2250 heat map whose darkest cell is the top of the Blues map', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-cm-'));
  try {
    const nc = 3, n = 4;
    const m = new Float64Array(n * n);
    for (let i = 0; i < nc; i++) m[i * n + i] = 10; // perfect diagonal: normalised cells are 1
    m[3 * n + 0] = 10; // column 0 half missed → 0.5
    const file = join(dir, 'confusion_matrix.png');
    await plotConfusionMatrix(m, nc, ['cat', 'dog', 'bird'], file);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [3000, 2250]);
    let darkest = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] === 8 && data[i + 1] === 48 && data[i + 2] === 107) darkest++;
    assert.ok(darkest > 10000, `#08306b cell pixels: ${darkest}`);
    await assert.rejects(plotConfusionMatrix(new Float64Array(9), 3, [], file), /4x4/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
