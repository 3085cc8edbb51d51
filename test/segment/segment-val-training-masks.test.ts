// segment val with the ground-truth masks segment/train.py validates with (its val loader's: --mask-ratio 4, overlap
// index masks or one mask per instance) against v7.0's segment/val.py run() given the same mask_downsample_ratio and
// overlap (test/fixtures/segment/make_val_training_masks.py) on the committed scenes and checkpoint: box and mask
// rows within 1e-6, mean and per class.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentVal } from '../../src/segment/segment-val.ts';
import { assertSegmentRow, fixture, scenesYaml } from './helpers/val-fixture.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-val-train-masks-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  overlap: boolean;
  mask_downsample_ratio: number;
  mean: Record<string, number>;
  per_class: Array<Record<string, number>>;
}

test('segment val with training-time masks (ratio 4, overlap on and off) equals segment/val.py run with the same', async () => {
  const { cases } = JSON.parse(readFileSync(fixture('val_training_masks_expected.json'), 'utf8')) as { cases: Case[] };
  const standalone = JSON.parse(readFileSync(fixture('val_expected.json'), 'utf8')).process_mask.mean as Record<string, number>;
  const data = scenesYaml(work);
  const model = await loadSegmentBackend(fixture('val_seg.pt'));
  try {
    assert.equal(cases.length, 2);
    for (const c of cases) {
      // The fixture tells the three ground truths apart: the mask rows differ from val.py run alone.
      assert.ok(Math.abs(c.mean.mask_map! - standalone.mask_map!) > 1e-4, 'the training-time masks change the mask mAP');
      const what = `overlap ${c.overlap}, ratio ${c.mask_downsample_ratio}`;
      const r = await segmentVal({ data, model, imgsz: 64, batchSize: 4, workers: 0, plots: false, project: work, name: `o${c.overlap}`, masks: { downsampleRatio: c.mask_downsample_ratio, overlap: c.overlap }, log: () => {} });
      assertSegmentRow(r, c.mean, `${what} all`);
      assert.equal(r.perClass.length, c.per_class.length);
      r.perClass.forEach((k, i) => {
        assert.equal(k.cls, c.per_class[i]!.class);
        assertSegmentRow(k, c.per_class[i]!, `${what} class ${k.cls}`);
      });
    }
  } finally {
    await model.dispose();
  }
});
