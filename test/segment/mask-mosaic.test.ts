// Batch mosaics with masks (v7.0's plot_images_and_masks) against v7.0's own pictures of the same batches
// (test/fixtures/segment/make_mask_mosaic.py): the pixels the mask overlay paints (with masks vs all-zero masks) and
// their values — overlap index masks at 1/4 size resized to the tile (train_batch*.jpg) and full-size 0/1 masks of
// predictions, where a row at conf ≤ 0.25 gets neither box nor mask (val_batch*_pred.jpg).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { readNpyFile } from '../../src/io/npy.ts';
import { plotImagesAndMasks } from '../../src/segment/mask-mosaic.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tsyolo-mask-mosaic-'));
after(() => rmSync(work, { recursive: true, force: true }));

const H = 64, W = 64;

function greys(values: number[]): Uint8Array {
  const plane = 3 * H * W;
  const images = new Uint8Array(values.length * plane);
  values.forEach((v, i) => images.fill(v, i * plane, (i + 1) * plane));
  return images;
}

async function rgb(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data, width: info.width, height: info.height };
}

interface Case {
  images: Uint8Array;
  n: number;
  targets: Float32Array;
  columns: 6 | 7;
  masks: { data: Uint8Array; shape: [number, number, number] };
  names?: string[];
}

async function compare(name: string, c: Case): Promise<void> {
  const draw = async (masks: Uint8Array, file: string) => {
    await plotImagesAndMasks({ images: c.images, shape: [c.n, 3, H, W], targets: c.targets, targetColumns: c.columns, names: c.names, path: file, masks: { data: masks, shape: c.masks.shape } });
    return rgb(file);
  };
  const withMasks = await draw(c.masks.data, join(work, `${name}.png`));
  const without = await draw(new Uint8Array(c.masks.data.length), join(work, `${name}-none.png`));
  const want = readNpyFile(`${FIX}mosaic_${name}_image.npy`);
  const wantPainted = readNpyFile(`${FIX}mosaic_${name}_painted.npy`).data as Uint8Array;
  assert.deepEqual([withMasks.height, withMasks.width, 3], want.shape, 'mosaic size');
  const n = withMasks.width * withMasks.height;
  // The mosaic before any drawing: grey tiles filled column by column, white where no image is.
  const side = withMasks.width / W;
  const raw = (p: number): number => {
    const x = p % withMasks.width, y = Math.floor(p / withMasks.width);
    const i = Math.floor(x / W) * side + Math.floor(y / H);
    return i < c.n ? c.images[i * 3 * H * W]! : 255;
  };
  const wantData = want.data as Uint8Array;
  let both = 0, either = 0, sameValue = 0, compared = 0;
  for (let p = 0; p < n; p++) {
    const r = raw(p);
    const v7 = wantPainted[p] === 1;
    // Box outlines, borders and text are drawn by PIL there and by canvas here (another line geometry and font):
    // pixels either drew on are left out.
    const drawnHere = [0, 1, 2].some((k) => without.data[p * 3 + k] !== r);
    const drawnV7 = !v7 && [0, 1, 2].some((k) => wantData[p * 3 + k] !== r);
    if (drawnHere || drawnV7) continue;
    compared++;
    const painted = [0, 1, 2].some((k) => withMasks.data[p * 3 + k] !== without.data[p * 3 + k]);
    if (painted || v7) either++;
    if (painted && v7) {
      both++;
      if ([0, 1, 2].every((k) => withMasks.data[p * 3 + k] === wantData[p * 3 + k])) sameValue++;
    }
  }
  assert.ok(compared > n / 2, `${name}: ${compared} of ${n} pixels compared`);
  const expected = JSON.parse(readFileSync(`${FIX}mosaic_expected.json`, 'utf8'))[name] as { painted: number };
  assert.ok(expected.painted > 500, 'the fixture paints masks');
  assert.ok(both > expected.painted * 0.8, `${name}: ${both} of v7.0's ${expected.painted} painted pixels compared`);
  assert.equal(both, either, `${name}: painted pixels IoU ${both}/${either}`);
  assert.equal(sameValue, both, `${name}: ${sameValue}/${both} painted pixels with v7.0's value`);
}

test('train_batch masks: overlap index masks (1/4 size) painted as plot_images_and_masks paints them', async () => {
  const targets = readNpyFile(`${FIX}mosaic_labels_overlap_targets.npy`);
  const masks = readNpyFile(`${FIX}mosaic_labels_overlap_masks.npy`);
  await compare('labels_overlap', { images: greys([100, 140, 180]), n: 3, targets: targets.data as Float32Array, columns: 6, masks: { data: masks.data as Uint8Array, shape: masks.shape as [number, number, number] } });
});

test('val_batch pred masks: one mask per detection, none for conf ≤ 0.25', async () => {
  const targets = readNpyFile(`${FIX}mosaic_pred_targets.npy`);
  const masks = readNpyFile(`${FIX}mosaic_pred_masks.npy`);
  await compare('pred', { images: greys([90, 200]), n: 2, targets: targets.data as Float32Array, columns: 7, masks: { data: masks.data as Uint8Array, shape: masks.shape as [number, number, number] }, names: ['a', 'b', 'c', 'd', 'e', 'f'] });
});

test('a mask stack that does not match its shape is refused, naming the file', async () => {
  await assert.rejects(
    plotImagesAndMasks({ images: greys([100]), shape: [1, 3, H, W], targets: new Float32Array([0, 0, 0.5, 0.5, 0.2, 0.2]), path: join(work, 'bad.png'), masks: { data: new Uint8Array(10), shape: [1, 16, 16] } }),
    /bad\.png: 10 mask values for shape \[1, 16, 16\]/,
  );
});

test('segment val writes val_batch{i}_labels.jpg and _pred.jpg (with masks) for its first three batches', async () => {
  const { cpSync, writeFileSync } = await import('node:fs');
  const { loadSegmentBackend } = await import('../../src/segment/segment-backend.ts');
  const { segmentVal } = await import('../../src/segment/segment-val.ts');
  cpSync(`${FIX}val_data`, join(work, 'val_data'), { recursive: true });
  const yaml = join(work, 'scenes.yaml');
  writeFileSync(yaml, `path: ${join(work, 'val_data')}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
  const model = await loadSegmentBackend(`${FIX}val_seg.pt`);
  const r = await segmentVal({ data: yaml, model, imgsz: 64, batchSize: 4, workers: 0, project: work, name: 'val', log: () => {} });
  // 8 images in batches of 4: two batches, each a 2×2 grid of the batch's rect shape (64 or 96 px sides, pad 0.5).
  for (const b of [0, 1]) {
    const [labels, pred] = await Promise.all(['labels', 'pred'].map((kind) => sharp(join(r.saveDir!, `val_batch${b}_${kind}.jpg`)).metadata()));
    assert.deepEqual([labels.width, labels.height], [pred.width, pred.height], `val_batch${b}`);
    assert.ok([128, 192].includes(labels.width!) && [128, 192].includes(labels.height!), `val_batch${b}: ${labels.width}×${labels.height}`);
  }
  assert.ok(!readdirSync(r.saveDir!).includes('val_batch2_labels.jpg'));
  const quiet = await segmentVal({ data: yaml, model, imgsz: 64, batchSize: 4, workers: 0, project: work, name: 'quiet', plots: false, log: () => {} });
  assert.ok(!readdirSync(quiet.saveDir!).some((f) => f.startsWith('val_batch')), '--plots false writes no batch pictures');
});
