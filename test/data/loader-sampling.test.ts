// The loader's --image-weights pool (setIndices) and --quad collate: the same batches whatever the worker count
// (the pool crosses to workers in shared memory), positions mapped through the pool, quad batches of 2× images.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createLoader, type Batch } from '../../src/data/loader.ts';
import type { LabelledImages } from '../../src/data/yolo-dataset.ts';

let dir = '';
let source: LabelledImages;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loader-sampling-'));
  source = { imFiles: [], labels: [], shapes: [] };
  for (let i = 0; i < 8; i++) {
    const [w, h] = [48 + 4 * i, 40];
    const raw = Buffer.alloc(w * h * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 3)) & 255;
    const file = join(dir, `im${i}.png`);
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
    source.imFiles.push(file);
    source.labels.push(Float32Array.of(i % 3, 0.5, 0.5, 0.25, 0.5));
    source.shapes.push([w, h]);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function epoch(opts: { workers: number; pool?: number[]; quad?: boolean; augment?: boolean; batchSize?: number }): Promise<Batch[]> {
  const loader = createLoader({ source, imgSize: 32, augment: opts.augment ?? true, batchSize: opts.batchSize ?? 4, shuffle: true, seed: 3, workers: opts.workers, quad: opts.quad });
  loader.setIndices(opts.pool);
  loader.setEpoch(1);
  const out: Batch[] = [];
  try {
    for await (const b of loader) out.push(b);
  } finally {
    await loader.close();
  }
  return out;
}

const POOL = [5, 5, 2, 7, 5, 0, 2, 2];

test('setIndices: position p loads image pool[p], in the epoch order, the same with 0 or 2 workers', async () => {
  const plain = await epoch({ workers: 0, augment: false });
  const weighted = await epoch({ workers: 0, pool: POOL, augment: false });
  const order = plain.flatMap((b) => b.indices); // positions of the epoch (identity pool)
  assert.deepEqual(weighted.flatMap((b) => b.indices), order.map((p) => POOL[p]!));
  const threaded = await epoch({ workers: 2, pool: POOL });
  const single = await epoch({ workers: 0, pool: POOL });
  assert.deepEqual(threaded.map((b) => b.indices), single.map((b) => b.indices));
  threaded.forEach((b, k) => assert.ok(Buffer.from(b.images).equals(Buffer.from(single[k]!.images)), `batch ${k} pixels`));
  // An image drawn several times is augmented anew each time (its augmentation is seeded by its position).
  const all = single.flatMap((b) => Array.from({ length: b.shape[0] }, (_, i) => ({ image: b.indices[i]!, px: Buffer.from(b.images.subarray(i * 3 * 32 * 32, (i + 1) * 3 * 32 * 32)) })));
  const fives = all.filter((x) => x.image === 5);
  assert.equal(fives.length, 3);
  assert.ok(!fives[0]!.px.equals(fives[1]!.px) || !fives[1]!.px.equals(fives[2]!.px), 'repeats differ');
});

test('setIndices refuses a pool of another length or out-of-range entries', async () => {
  const loader = createLoader({ source, imgSize: 32, batchSize: 4 });
  assert.throws(() => loader.setIndices([0, 1]), /2 indices for a dataset of 8/);
  assert.throws(() => loader.setIndices([0, 1, 2, 3, 4, 5, 6, 8]), /index 8 out of range/);
  await loader.close();
});

test('--quad: batches of 4 items become one 2× image, identical with 0 or 2 workers', async () => {
  const a = await epoch({ workers: 0, quad: true });
  const b = await epoch({ workers: 2, quad: true });
  assert.equal(a.length, 2);
  for (const [k, batch] of a.entries()) {
    assert.deepEqual(batch.shape, [1, 3, 64, 64]);
    assert.ok(Buffer.from(batch.images).equals(Buffer.from(b[k]!.images)));
    assert.deepEqual([...batch.targets], [...b[k]!.targets]);
    for (let r = 0; r < batch.targets.length; r += 6) assert.equal(batch.targets[r], 0, 'image index 0 of the quad batch');
  }
  const e8 = await epoch({ workers: 0, quad: true, batchSize: 8 });
  assert.deepEqual(e8[0]!.shape, [2, 3, 64, 64]);
});
