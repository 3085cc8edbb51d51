// segment val with the ground-truth masks segment/train.py validates with (its val loader's: --mask-ratio 4, overlap
// index masks or one mask per instance) against v7.0's segment/val.py run() given the same mask_downsample_ratio and
// overlap (test/fixtures/segment/make_val_training_masks.py) on the committed scenes and checkpoint: box and mask
// rows within 1e-6, mean and per class.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentVal, type SegmentMetric } from '../../src/segment/segment-val.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/segment/${p}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-val-train-masks-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  overlap: boolean;
  mask_downsample_ratio: number;
  mean: Record<string, number>;
  per_class: Array<Record<string, number>>;
}

function assertRow(got: { box: SegmentMetric; mask: SegmentMetric }, want: Record<string, number>, what: string): void {
  const pairs: Array<[number, string]> = [
    [got.box.P, 'box_p'], [got.box.R, 'box_r'], [got.box.mAP50, 'box_map50'], [got.box.mAP50_95, 'box_map'],
    [got.mask.P, 'mask_p'], [got.mask.R, 'mask_r'], [got.mask.mAP50, 'mask_map50'], [got.mask.mAP50_95, 'mask_map'],
  ];
  for (const [v, k] of pairs) assert.ok(Math.abs(v - want[k]!) <= 1e-6, `${what} ${k}: ${v} vs v7.0's ${want[k]}`);
}

test('segment val with training-time masks (ratio 4, overlap on and off) equals segment/val.py run with the same', async () => {
  const { cases } = JSON.parse(readFileSync(fixture('val_training_masks_expected.json'), 'utf8')) as { cases: Case[] };
  const standalone = JSON.parse(readFileSync(fixture('val_expected.json'), 'utf8')).process_mask.mean as Record<string, number>;
  cpSync(fixture('val_data'), join(work, 'val_data'), { recursive: true });
  const data = join(work, 'scenes.yaml');
  writeFileSync(data, `path: ${join(work, 'val_data')}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
  const model = await loadSegmentBackend(fixture('val_seg.pt'));
  try {
    assert.equal(cases.length, 2);
    for (const c of cases) {
      // The fixture tells the three ground truths apart: the mask rows differ from val.py run alone.
      assert.ok(Math.abs(c.mean.mask_map! - standalone.mask_map!) > 1e-4, 'the training-time masks change the mask mAP');
      const what = `overlap ${c.overlap}, ratio ${c.mask_downsample_ratio}`;
      const r = await segmentVal({ data, model, imgsz: 64, batchSize: 4, workers: 0, plots: false, project: work, name: `o${c.overlap}`, masks: { downsampleRatio: c.mask_downsample_ratio, overlap: c.overlap }, log: () => {} });
      assertRow(r, c.mean, `${what} all`);
      assert.equal(r.perClass.length, c.per_class.length);
      r.perClass.forEach((k, i) => {
        assert.equal(k.cls, c.per_class[i]!.class);
        assertRow(k, c.per_class[i]!, `${what} class ${k.cls}`);
      });
    }
  } finally {
    await model.dispose();
  }
});
