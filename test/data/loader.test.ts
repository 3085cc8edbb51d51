// The parallel loader: deterministic batches for a seed whatever the worker count, rect validation batches,
// worker errors reaching the caller, and clean shutdown (the process exits; SIGINT does not hang).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { createLoader, type Batch } from '../../src/data/loader.ts';
import { computeRectBatches } from '../../src/data/rect-batches.ts';
import type { LabelledImages } from '../../src/data/yolo-dataset.ts';

let dir = '';
let source: LabelledImages;
const SIZES: Array<[number, number]> = [[64, 48], [48, 64], [80, 40], [64, 64], [40, 72], [96, 64], [50, 50], [72, 36], [60, 90], [64, 32]];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loader-test-'));
  source = { imFiles: [], labels: [], shapes: [] };
  for (const [i, [w, h]] of SIZES.entries()) {
    const raw = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      const x = p % w;
      const y = Math.floor(p / w);
      raw[p * 3] = (x * 7 + i * 20) & 255;
      raw[p * 3 + 1] = (y * 5) & 255;
      raw[p * 3 + 2] = x > w / 4 && x < w / 2 && y > h / 4 && y < (3 * h) / 4 ? 250 : 30;
    }
    const file = join(dir, `im${String(i).padStart(2, '0')}.png`);
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
    source.imFiles.push(file);
    source.labels.push(Float32Array.of(i % 3, 0.375, 0.5, 0.25, 0.5));
    source.shapes.push([w, h]);
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(opts: { workers: number; seed: number; epoch?: number }): Promise<Batch[]> {
  const loader = createLoader({ source, imgSize: 64, augment: true, batchSize: 4, shuffle: true, ...opts });
  loader.setEpoch(opts.epoch ?? 0);
  const out: Batch[] = [];
  try {
    for await (const b of loader) out.push(b);
  } finally {
    await loader.close();
  }
  return out;
}

test('same seed and workers → identical batches; 0 and 2 workers agree; epochs and seeds differ', async () => {
  const a = await collect({ workers: 2, seed: 3 });
  const b = await collect({ workers: 2, seed: 3 });
  const c = await collect({ workers: 0, seed: 3 });
  assert.equal(a.length, 3); // 10 images / 4, last batch kept
  assert.deepEqual(a.map((x) => x.shape), [[4, 3, 64, 64], [4, 3, 64, 64], [2, 3, 64, 64]]);
  for (const other of [b, c]) {
    assert.equal(other.length, a.length);
    a.forEach((batch, k) => {
      assert.deepEqual(other[k]!.paths, batch.paths);
      assert.deepEqual(other[k]!.images, batch.images);
      assert.deepEqual(other[k]!.targets, batch.targets);
    });
  }
  // Every image appears once per epoch; targets carry valid image indices and normalised boxes.
  assert.deepEqual(a.flatMap((x) => x.paths).sort(), [...source.imFiles].sort());
  for (const batch of a) {
    assert.equal(batch.images.length, batch.shape[0] * 3 * 64 * 64);
    for (let r = 0; r < batch.targets.length; r += 6) {
      assert.ok(batch.targets[r]! >= 0 && batch.targets[r]! < batch.shape[0]);
      for (let k = 2; k < 6; k++) assert.ok(batch.targets[r + k]! >= 0 && batch.targets[r + k]! <= 1);
    }
  }
  const nextEpoch = await collect({ workers: 2, seed: 3, epoch: 1 });
  assert.notDeepEqual(nextEpoch.map((x) => x.paths), a.map((x) => x.paths));
  const otherSeed = await collect({ workers: 0, seed: 4 });
  assert.notDeepEqual(otherSeed[0]!.images, a[0]!.images);
});

test('prefetchEpoch: the next epoch is built ahead (served after its files are gone), identical to building it on demand', async () => {
  const expected = await collect({ workers: 2, seed: 5, epoch: 1 });
  const expected2 = await collect({ workers: 2, seed: 5, epoch: 2 });
  const copy = mkdtempSync(join(tmpdir(), 'loader-prefetch-'));
  const files = source.imFiles.map((f, i) => join(copy, `im${i}.png`));
  source.imFiles.forEach((f, i) => writeFileSync(files[i]!, readFileSync(f)));
  const loader = createLoader({ source: { ...source, imFiles: files }, imgSize: 64, augment: true, batchSize: 4, shuffle: true, workers: 2, seed: 5 });
  try {
    // Asking for an epoch that is then not iterated only costs work: epoch 2 is built on demand, correctly.
    void loader.prefetchEpoch(3);
    loader.setEpoch(2);
    const got2: Batch[] = [];
    for await (const b of loader) got2.push(b);
    assert.deepEqual(got2.map((b) => b.images), expected2.map((b) => b.images));
    await loader.prefetchEpoch(1);
    // Window 2 workers × 2 ≥ the epoch's 3 batches: all of epoch 1 is built now, so its files are no longer read.
    rmSync(copy, { recursive: true, force: true });
    loader.setEpoch(1);
    const got: Batch[] = [];
    for await (const b of loader) got.push(b);
    assert.equal(got.length, expected.length);
    got.forEach((b, k) => {
      assert.deepEqual(b.paths, expected[k]!.paths.map((p) => files[source.imFiles.indexOf(p)]));
      assert.deepEqual(b.images, expected[k]!.images);
      assert.deepEqual(b.targets, expected[k]!.targets);
    });
  } finally {
    await loader.close();
    rmSync(copy, { recursive: true, force: true });
  }
  await assert.rejects(createLoader({ source, batchSize: 4 }).prefetchEpoch(-1), /prefetchEpoch: epoch must be an integer ≥ 0, got -1/);
});

test('rect validation loader: batch shapes from the aspect-ratio sort, shapes for rescaling', async () => {
  const loader = createLoader({ source, imgSize: 64, augment: false, rect: true, pad: 0.5, batchSize: 4, workers: 2 });
  const expected = computeRectBatches(source.shapes, 4, 64, 32, 0.5);
  let k = 0;
  try {
    for await (const batch of loader) {
      const [h, w] = expected.batchShapes[k]!;
      assert.deepEqual(batch.shape.slice(2), [h, w]);
      assert.deepEqual(batch.paths, expected.order.slice(k * 4, k * 4 + 4).map((i) => source.imFiles[i]));
      for (const s of batch.shapes) {
        assert.ok(s !== null);
        const i = source.imFiles.indexOf(batch.paths[batch.shapes.indexOf(s)]!);
        assert.deepEqual(s.original, [source.shapes[i]![1], source.shapes[i]![0]]);
      }
      k++;
    }
  } finally {
    await loader.close();
  }
  assert.equal(k, 3);
});

test('a failing image rejects the iteration with the worker’s message and stops all workers', async () => {
  const bad = join(dir, 'broken.png');
  writeFileSync(bad, 'this is not a png');
  const broken: LabelledImages = {
    imFiles: [...source.imFiles, bad],
    labels: [...source.labels, new Float32Array(0)],
    shapes: [...source.shapes, [64, 64]],
  };
  for (const workers of [2, 0]) {
    const loader = createLoader({ source: broken, imgSize: 64, augment: false, batchSize: 3, workers });
    await assert.rejects(
      (async () => {
        for await (const _ of loader) {
          // consume
        }
      })(),
      (e: Error) => e.message.includes('broken.png'),
    );
    await loader.close();
  }
});

/** Runs the child script from another directory (tsx resolved absolutely) and returns its exit status and output. */
function runChild(mode: string, opts: { interruptAfterOutput?: boolean } = {}): Promise<{ code: number | null; signal: string | null; out: string; ms: number }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = fileURLToPath(new URL('./loader-child-script.ts', import.meta.url));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, script, mode, dir], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child '${mode}' did not exit within 30 s; output: ${out}`));
    }, 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (opts.interruptAfterOutput && out.includes('running')) setTimeout(() => child.kill('SIGINT'), 1500);
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, ms: Date.now() - started });
    });
  });
}

test('shutdown: breaking out without close(), closing, and SIGINT all let the process exit', async () => {
  const broke = await runChild('break');
  assert.equal(broke.code, 0, broke.out);
  assert.match(broke.out, /batch 2x3x64x64/);
  const closed = await runChild('close');
  assert.equal(closed.code, 0, closed.out);
  assert.match(closed.out, /batches 5/);
  const interrupted = await runChild('sigint', { interruptAfterOutput: true });
  assert.ok(interrupted.signal === 'SIGINT' || interrupted.code !== 0, `exit ${interrupted.code} ${interrupted.signal}`);
});
