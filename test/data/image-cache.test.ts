// --cache ram / disk as YOLOv5 v7.0 does them: check_cache_ram's memory check before caching, and the disk
// cache's `.npy` beside each image (original size, BGR, np.save's format), reused once written.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { parseNpy } from '../../src/io/npy.ts';
import { decodeImage } from '../../src/data/image-decode.ts';
import { checkCacheRam, npyPathOf, resizedSize } from '../../src/data/image-cache.ts';
import { createLoader } from '../../src/data/loader.ts';
import { SeededRandom } from '../../src/data/seeded-random.ts';
import { YoloDataset, type LabelledImages } from '../../src/data/yolo-dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-image-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Three small images (JPEG, PNG, JPEG of other sizes) with one box each. */
async function makeSource(sub: string): Promise<LabelledImages> {
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  const source: LabelledImages = { imFiles: [], labels: [], shapes: [] };
  const sizes: Array<[number, number, string]> = [[40, 30, 'jpg'], [24, 36, 'png'], [50, 50, 'jpg']];
  for (const [k, [w, h, ext]] of sizes.entries()) {
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * (7 + k) + (i % 3) * 60) & 255;
    const file = join(folder, `im${k}.${ext}`);
    const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
    await (ext === 'png' ? img.png() : img.jpeg({ quality: 95 })).toFile(file);
    source.imFiles.push(file);
    source.labels.push(Float32Array.of(0, 0.5, 0.5, 0.4, 0.4));
    source.shapes.push([w, h]);
  }
  return source;
}

test('npyPathOf is Path.with_suffix(".npy")', () => {
  assert.equal(npyPathOf('/d/images/a.jpg'), '/d/images/a.npy');
  assert.equal(npyPathOf('/d/im.v2/b.PNG'), '/d/im.v2/b.npy');
  assert.equal(npyPathOf('/d/images/noext'), '/d/images/noext.npy');
});

test('check_cache_ram: exact bytes of the resized images against available memory with a 10 % margin', () => {
  const shapes: Array<[number, number]> = Array.from({ length: 10 }, () => [640, 480]);
  assert.deepEqual(resizedSize(640, 480, 320), [320, 240]);
  assert.deepEqual(resizedSize(333, 1000, 320), [106, 320]); // int(333·0.32) = 106
  const need = 10 * 320 * 240 * 3;
  assert.equal(checkCacheRam(shapes, 320, need * 1.2, 2 ** 34).fits, true);
  const short = checkCacheRam(shapes, 320, need * 1.05, 2 ** 34);
  assert.equal(short.fits, false);
  assert.equal(short.requiredBytes, need);
  assert.equal(short.message, '0.0GB RAM required, 0.0/16.0GB available, not caching images ⚠️');
});

test('--cache disk: a BGR .npy of the original image beside each file, reused; items equal the uncached ones', async () => {
  const source = await makeSource('disk');
  const cached = new YoloDataset(source, { imgSize: 32, augment: true, cache: 'disk' });
  await cached.cacheImagesToDisk();
  for (const file of source.imFiles) {
    const npy = parseNpy(new Uint8Array(readFileSync(npyPathOf(file))), file);
    const im = await decodeImage(file);
    assert.equal(npy.dtype, 'uint8');
    assert.deepEqual(npy.shape, [im.height, im.width, 3]);
    const bgr = npy.data as Uint8Array;
    for (let i = 0; i < im.data.length; i += 3) {
      if (bgr[i] !== im.data[i + 2] || bgr[i + 1] !== im.data[i + 1] || bgr[i + 2] !== im.data[i]) assert.fail(`${file}: pixel ${i / 3} is not the decoded image in BGR`);
    }
  }
  const mtime = statSync(npyPathOf(source.imFiles[0]!)).mtimeMs;
  await cached.cacheImagesToDisk();
  assert.equal(statSync(npyPathOf(source.imFiles[0]!)).mtimeMs, mtime, 'an existing .npy is not rewritten');

  const plain = new YoloDataset(source, { imgSize: 32, augment: true });
  for (let i = 0; i < 3; i++) {
    const a = await cached.getItem(i, new SeededRandom(4, i));
    const b = await plain.getItem(i, new SeededRandom(4, i));
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.labels, b.labels);
  }

  // The cache is what is read: a changed .npy changes the pixels; a damaged one is an error naming it.
  writeFileSync(npyPathOf(source.imFiles[1]!), 'not a numpy file');
  await assert.rejects(cached.loadImage(1), (e: Error) => e.message.includes(npyPathOf(source.imFiles[1]!)));
});

test('loader: --cache ram and disk report YOLOv5\'s "Caching images" line and give the batches of no cache', async () => {
  const source = await makeSource('loader');
  const batches = async (cache: 'ram' | 'disk' | undefined, log: string[]): Promise<Uint8Array[]> => {
    const loader = createLoader({ source, imgSize: 32, augment: true, batchSize: 2, workers: 1, seed: 3, cache, log: (l) => log.push(l) });
    const out: Uint8Array[] = [];
    try {
      for await (const b of loader) out.push(b.images);
    } finally {
      await loader.close();
    }
    return out;
  };
  const none = await batches(undefined, []);
  const ramLog: string[] = [];
  assert.deepEqual(await batches('ram', ramLog), none);
  assert.match(ramLog.join('\n'), /^Caching images \(0\.0GB ram\)$/);
  const diskLog: string[] = [];
  assert.deepEqual(await batches('disk', diskLog), none);
  assert.match(diskLog.join('\n'), /^Caching images \(0\.0GB disk\)$/);
  const small = new YoloDataset(source, { imgSize: 32, cache: 'ram' });
  assert.equal(small.checkCacheRam(100).fits, false);
});
