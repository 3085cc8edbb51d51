// Every file the project writes goes through one atomic writer: on a full disk (a small tmpfs this test mounts) the
// error names the path and says "disk full", and no truncated or temporary file is left; a read-only --project
// says "read-only file system", not ENOENT. CI runs as root; a tmpfs that cannot be mounted fails the test.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDigits } from '../../src/data/digits.ts';
import type { Backend } from '../../src/deploy/backend.ts';
import { makeDirs, writeFileAtomic } from '../../src/io/atomic-write.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { saveTrainCheckpoint } from '../../src/train/train-checkpoint.ts';
import { val } from '../../src/val/val.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const weightsFixture = fileURLToPath(new URL('../fixtures/yolov5n-shufflenetv2.pt', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-atomic-'));
const mounts: string[] = [];

/** Mounts a fresh tmpfs of `size` bytes; fails (never skips) with the reason when mounting is not possible. */
function mountTmpfs(size: number, readOnly = false): string {
  const dir = mkdtempSync(join(work, 'fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new Error(`this test mounts a small tmpfs to fill it and needs root (CI runs as root): mount failed: ${why}`);
  }
  mounts.push(dir);
  return dir;
}

/** Uses up the rest of the file system: the next non-empty write gets ENOSPC. */
function fill(dir: string): void {
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(64 << 20));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    return;
  }
  throw new Error(`${dir} did not fill up`);
}

/** Every file under `dir` (relative paths), so leftovers such as `x.tmp-123-0` or 0-byte outputs show. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile() && f !== 'filler')
    .sort();
}

after(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
  rmSync(work, { recursive: true, force: true });
});

const tsyolo = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** A folder with one small JPEG, made once. */
let imagesReady: Promise<string> | undefined;
function images(): Promise<string> {
  imagesReady ??= (async () => {
    const dir = join(work, 'images');
    mkdirSync(dir, { recursive: true });
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toFile(join(dir, 'a.jpg'));
    return dir;
  })();
  return imagesReady;
}

test('writeFileAtomic on a full disk: the old file stays whole, no temp file, the error names the path and says disk full', () => {
  const fs = mountTmpfs(64 << 10);
  const file = join(fs, 'results.csv');
  writeFileAtomic(file, 'old contents\n');
  fill(fs);
  assert.throws(() => writeFileAtomic(file, 'x'.repeat(100_000)), { message: `cannot write ${file}: disk full (ENOSPC)` });
  assert.equal(readFileSync(file, 'utf8'), 'old contents\n');
  assert.deepEqual(filesUnder(fs), ['results.csv']);
});

test('a read-only project folder is reported as a read-only file system, not ENOENT', async () => {
  const ro = mountTmpfs(64 << 10, true);
  assert.throws(() => makeDirs(join(ro, 'runs', 'detect', 'exp')), { message: `cannot create folder ${join(ro, 'runs', 'detect', 'exp')}: read-only file system (EROFS)` });
  assert.throws(() => writeFileAtomic(join(ro, 'a.txt'), 'a'), { message: `cannot write ${join(ro, 'a.txt')}: read-only file system (EROFS)` });
  const r = tsyolo('detect', '--weights', weightsFixture, '--source', await images(), '--img', '64', '--project', join(ro, 'runs'));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /read-only file system \(EROFS\)/);
  assert.doesNotMatch(r.stderr, /ENOENT/);
});

test('training checkpoints on a full disk: last.safetensors keeps the previous epoch, the error says disk full with the path', () => {
  const fs = mountTmpfs(16 << 20);
  const { model } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 2 });
  const last = join(fs, 'last.safetensors');
  const state = { epoch: 3, bestFitness: 0.5, bestEpoch: 3, emaUpdates: 10, lastOptStep: 7, opt: {}, hyp: {} };
  saveTrainCheckpoint(last, { model, ema: model, state });
  const before = readFileSync(last);
  fill(fs);
  assert.throws(() => saveTrainCheckpoint(last, { model, ema: model, state: { ...state, epoch: 4 } }), { message: `cannot write ${last}: disk full (ENOSPC)` });
  assert.ok(readFileSync(last).equals(before), 'the epoch-3 checkpoint is intact');
  assert.equal(readSafetensors(last).metadata.epoch, '3');
  const t: HostTensor = { dtype: 'float32', shape: [1 << 16], data: new Float32Array(1 << 16) };
  assert.throws(() => writeSafetensors(join(fs, 'best.safetensors'), { t }), /best\.safetensors: disk full \(ENOSPC\)/);
  assert.deepEqual(filesUnder(fs), ['last.safetensors']);
  model.dispose();
});

test('export on a full disk: no truncated .onnx, exit 1, the error names the .onnx and says disk full', () => {
  const fs = mountTmpfs(8 << 20);
  const weights = join(fs, 'w.pt');
  copyFileSync(weightsFixture, weights);
  fill(fs);
  const r = tsyolo('export', '--weights', weights, '--img', '64');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`cannot write ${join(fs, 'w.onnx').replace(/[.]/g, '\\.')}: disk full \\(ENOSPC\\)`));
  assert.deepEqual(filesUnder(fs), ['w.pt']);
});

test('detect on a full disk: no 0-byte JPEG, exit 1, the error names the image and says disk full', async () => {
  const source = await images();
  const fs = mountTmpfs(64 << 10);
  fill(fs);
  const r = tsyolo('detect', '--weights', weightsFixture, '--source', source, '--img', '64', '--project', join(fs, 'runs'));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`cannot write ${join(fs, 'runs', 'exp', 'a.jpg').replace(/[.]/g, '\\.')}: disk full \\(ENOSPC\\)`));
  assert.deepEqual(filesUnder(fs), []);
});

test('val --save-json on a full disk: no invalid JSON left, the error names the file and says disk full', async () => {
  const { yamlPath } = await generateDigits({ out: join(work, 'digits'), train: 1, val: 3, img: 96, seed: 3, log: () => {} });
  // One confident box per image: enough for --save-json to have something to write.
  const model: Backend = {
    names: Array.from({ length: 10 }, (_, i) => String(i)),
    nc: 10,
    stride: 32,
    fixedInputHW: null,
    forward: async (_input, shape) => {
      const n = shape[0]!;
      const data = new Float32Array(n * 15);
      for (let i = 0; i < n; i++) data.set([40, 40, 20, 20, 0.9, 1], i * 15);
      return { data, shape: [n, 1, 15] };
    },
    dispose: () => {},
  };
  const fs = mountTmpfs(64 << 10);
  const saveDir = join(fs, 'exp');
  mkdirSync(saveDir);
  fill(fs);
  await assert.rejects(
    val({ data: yamlPath, model, imgsz: 96, batchSize: 2, workers: 0, plots: false, saveJson: true, saveDir, weightsFile: 'w.pt', log: () => {} }),
    { message: `cannot write ${join(saveDir, 'w_predictions.json')}: disk full (ENOSPC)` },
  );
  assert.deepEqual(filesUnder(fs), []);
  assert.equal(existsSync(join(saveDir, 'w_predictions.json')), false);
});
