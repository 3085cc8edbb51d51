// The loader's pixel operations against cv2's own output (fixtures made by test/fixtures/opencv/
// make_opencv_fixtures.py with python3-opencv, the calls YOLOv5 v7.0 makes): OpenCV through the image addon must
// give cv2's bytes exactly; the TypeScript ports (the fallback without OpenCV) stay within rounding of them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { parseNpy } from '../../src/io/npy.ts';
import { imageAddonProblem, loadImageAddon, type ImageAddon } from '../../src/data/image-addon.ts';
import type { RgbImage } from '../../src/data/image-buffer.ts';
import { buildDatasetIndex } from '../../src/data/dataset-index.ts';
import { generateDigits } from '../../src/data/digits.ts';
import { decodeImageBytes } from '../../src/data/image-decode.ts';
import { createLoader } from '../../src/data/loader.ts';
import { opencvPixels } from '../../src/data/opencv-pixels.ts';
import { setPixelBackend } from '../../src/data/pixel-backend.ts';
import { TYPESCRIPT_PIXELS, type PixelOps } from '../../src/data/pixel-ops.ts';

const dir = new URL('../fixtures/opencv/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as {
  resize_linear_up: { size: [number, number]; interpolation: 'linear' };
  resize_linear_down: { size: [number, number]; interpolation: 'linear' };
  resize_area_down: { size: [number, number]; interpolation: 'area' };
  resize_area_half: { size: [number, number]; interpolation: 'area' };
  warp_affine: { M: number[]; size: [number, number] };
  warp_perspective: { M: number[]; size: [number, number] };
  hsv: { gains: [number, number, number] };
};

function fixture(name: string): RgbImage {
  const t = parseNpy(new Uint8Array(readFileSync(new URL(`${name}.npy`, dir))), name);
  return { data: t.data as Uint8Array, height: t.shape[0]!, width: t.shape[1]! };
}

/** Largest absolute difference and the share of bytes that differ. */
function compare(a: RgbImage, b: RgbImage): { maxDiff: number; differing: number } {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let maxDiff = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (d) n++;
    maxDiff = Math.max(maxDiff, d);
  }
  return { maxDiff, differing: n / a.data.length };
}

function runAll(ops: PixelOps): Record<string, { got: RgbImage; want: RgbImage }> {
  const input = fixture('input');
  const out: Record<string, { got: RgbImage; want: RgbImage }> = {};
  for (const name of ['resize_linear_up', 'resize_linear_down', 'resize_area_down', 'resize_area_half'] as const) {
    const c = cases[name];
    out[name] = { got: ops.resize(input, c.size[0], c.size[1], c.interpolation), want: fixture(name) };
  }
  const a = cases.warp_affine;
  out.warp_affine = { got: ops.warpAffine(input, a.M, a.size[0], a.size[1], 114), want: fixture('warp_affine') };
  const p = cases.warp_perspective;
  out.warp_perspective = { got: ops.warpPerspective(input, p.M, p.size[0], p.size[1], 114), want: fixture('warp_perspective') };
  const hsv = { data: input.data.slice(), width: input.width, height: input.height };
  ops.applyHsvGains(hsv, cases.hsv.gains);
  out.hsv = { got: hsv, want: fixture('hsv') };
  return out;
}

function addon(): ImageAddon {
  const cv = loadImageAddon();
  assert.ok(cv, `the image addon is needed (set-up builds it when OpenCV is installed): ${imageAddonProblem()}`);
  return cv;
}

function opencv(): PixelOps {
  return opencvPixels(addon());
}

test('OpenCV pixel ops give cv2 bytes exactly: resize (linear, area), warpAffine, warpPerspective, augment_hsv', () => {
  for (const [name, { got, want }] of Object.entries(runAll(opencv()))) {
    assert.deepEqual(compare(got, want), { maxDiff: 0, differing: 0 }, name);
  }
});

test('OpenCV decoding equals cv2.imread for JPEG and PNG (RGB order)', async () => {
  setPixelBackend('opencv');
  for (const ext of ['jpg', 'png']) {
    const got = await decodeImageBytes(new Uint8Array(readFileSync(new URL(`input.${ext}`, dir))), `input.${ext}`);
    assert.deepEqual(compare(got, fixture(`decoded_${ext}`)), { maxDiff: 0, differing: 0 }, ext);
  }
});

test('TypeScript ports (the fallback without OpenCV): warps and area resize exact, linear resize and HSV within 1', () => {
  const within1 = new Set(['resize_linear_up', 'resize_linear_down', 'hsv']); // OpenCV's SIMD rounding paths
  for (const [name, { got, want }] of Object.entries(runAll(TYPESCRIPT_PIXELS))) {
    const { maxDiff, differing } = compare(got, want);
    if (within1.has(name)) {
      assert.ok(maxDiff <= 1 && differing < 0.25, `${name}: max difference ${maxDiff}, ${(differing * 100).toFixed(1)}% of bytes differ`);
    } else {
      assert.equal(maxDiff, 0, name);
    }
  }
});

test('the image addon loads in worker threads (two at once) and names the op and argument on bad input', async () => {
  const cv = addon();
  assert.throws(() => cv.resize(new Uint8Array(10), 4, 4, 3, 2, 2, 1), /image\.resize: src has 10 bytes, 4×4×3 needs 48/);
  assert.throws(() => cv.warpAffine(new Uint8Array(48), 4, 4, 3, new Float64Array(4), 2, 2, 114), /image\.warpAffine: M must be a Float64Array of 6 values/);
  const addonModule = fileURLToPath(new URL('../../src/data/image-addon.ts', import.meta.url));
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { register } = require('tsx/cjs/api');
    register();
    const { loadImageAddon } = require(workerData.addonModule);
    const cv = loadImageAddon();
    const src = new Uint8Array(8 * 6 * 3).map((_, i) => (i * 37) & 255);
    const out = cv.resize(src, 8, 6, 3, 4, 3, cv.constants.INTER_AREA);
    parentPort.postMessage(out, [out.buffer]);`;
  const run = (): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { addonModule } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const [a, b] = await Promise.all([run(), run()]);
  const src = new Uint8Array(8 * 6 * 3).map((_, i) => (i * 37) & 255);
  const here = cv.resize(src, 8, 6, 3, 4, 3, cv.constants.INTER_AREA);
  assert.deepEqual(a, here);
  assert.deepEqual(b, here);
});

test('hwcToChw through cv::split equals the TypeScript transpose (written at an offset of a larger buffer); so does the RGB ↔ BGR swap', () => {
  const input = fixture('input');
  const n = input.data.length;
  const want = new Uint8Array(n + 10);
  TYPESCRIPT_PIXELS.hwcToChw(input, want, 7);
  const got = new Uint8Array(n + 10);
  opencv().hwcToChw(input, got, 7);
  assert.deepEqual(got, want);
  assert.equal(want[7 + input.width * input.height], input.data[1]); // the G plane starts with the first pixel's G
  const swapped = { ...input, data: input.data.slice() };
  const swappedTs = { ...input, data: input.data.slice() };
  opencv().swapRedBlue(swapped);
  TYPESCRIPT_PIXELS.swapRedBlue(swappedTs);
  assert.deepEqual(swapped.data, swappedTs.data);
  assert.deepEqual([...swapped.data.subarray(0, 3)], [input.data[2], input.data[1], input.data[0]]);
  assert.throws(() => addon().split(input.data, input.width, input.height, 3, new Uint8Array(n), 1), /image\.split: dst \(\d+ bytes\) has no room/);
});

test('TSYOLO_PIXELS=typescript: loader workers run the TypeScript ports (the fallback), within 1 of OpenCV', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-pixels-'));
  try {
    await generateDigits({ out: dir, train: 8, val: 0, img: 64, seed: 2 });
    const source = await buildDatasetIndex([join(dir, 'images', 'train')], { cache: false });
    const first = async (workers: number, pixels?: PixelOps): Promise<Uint8Array> => {
      const loader = createLoader({ source, imgSize: 64, augment: true, batchSize: 8, workers, seed: 1, ...(pixels ? { pixels } : {}) });
      try {
        for await (const b of loader) return b.images;
        throw new Error('no batch');
      } finally {
        await loader.close();
      }
    };
    const before = process.env.TSYOLO_PIXELS;
    process.env.TSYOLO_PIXELS = 'typescript'; // inherited by the workers started below
    let fromWorker: Uint8Array;
    try {
      fromWorker = await first(1);
    } finally {
      if (before === undefined) delete process.env.TSYOLO_PIXELS;
      else process.env.TSYOLO_PIXELS = before;
    }
    assert.deepEqual(fromWorker, await first(0, TYPESCRIPT_PIXELS));
    const withOpencv = await first(0, opencv());
    assert.notDeepEqual(fromWorker, withOpencv);
    let maxDiff = 0;
    for (let i = 0; i < withOpencv.length; i++) maxDiff = Math.max(maxDiff, Math.abs(withOpencv[i]! - fromWorker[i]!));
    assert.ok(maxDiff <= 1, `the ports differ from OpenCV by ${maxDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
