// The segmentation loss against YOLOv5 v7.0's utils/segment/loss.py ComputeLoss (test/fixtures/segment/
// make_loss_segment.py): the same maps, prototypes, targets and masks (made by v7.0's polygons2masks /
// polygons2masks_overlap) give the same total, four parts and gradients, with overlap_mask on and off and with masks
// at twice the prototypes' resolution (the loss's nearest downsample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { readNpyFile } from '../../src/io/npy.ts';
import * as torch from '../../src/tensor/index.ts';
import { SegmentComputeLoss, cropMask } from '../../src/train/segment-loss.ts';
import { relativeDiffHost } from '../yolo/v7-fixture.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
const exp = JSON.parse(readFileSync(`${FIX}loss_segment_expected.json`, 'utf8'));
const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);
const npy = (f: string) => torch.fromHost(readNpyFile(`${FIX}${f}.npy`));

function head() {
  return { anchors: torch.tensor(Float32Array.from(exp.anchors as number[]), { shape: [exp.nl, exp.na, 2] }), na: exp.na, nc: exp.nc, nl: exp.nl, nm: exp.nm };
}

for (const name of ['overlap', 'no_overlap', 'no_overlap_ratio2']) {
  test(`segment loss (${name}): total, lbox/lseg/lobj/lcls and gradients equal v7.0's ComputeLoss (rel 1e-5)`, () => {
    const c = exp.cases[name];
    const p = [0, 1, 2].map((i) => npy(`loss_p${i}`).requiresGrad_(true));
    const proto = npy('loss_proto').requiresGrad_(true);
    const targets = npy(`loss_${name}_targets`);
    const masks = npy(`loss_${name}_masks`);
    const loss = new SegmentComputeLoss({ detect: head() }, exp.hyp, { overlap: c.overlap });
    const r = loss.computeSegment(p, proto, targets, masks);
    const items = [r.lbox, r.lseg, r.lobj, r.lcls];
    items.forEach((v, k) => assert.ok(rel(v, c.items[k]) < 1e-5, `item ${k}: ${v} vs ${c.items[k]}`));
    assert.ok(rel(r.loss.item(), c.loss) < 1e-5, `loss ${r.loss.item()} vs ${c.loss}`);
    // Every part carries weight in this batch (none of the comparisons is of zeros).
    for (const v of items) assert.ok(v > 1e-3);
    r.loss.backward();
    for (let i = 0; i < 3; i++) {
      const d = relativeDiffHost(p[i]!.grad!.toFloat32Array(), readNpyFile(`${FIX}loss_${name}_grad_p${i}.npy`).data as Float32Array);
      assert.ok(d < 1e-5, `grad p${i}: ${d}`);
    }
    const d = relativeDiffHost(proto.grad!.toFloat32Array(), readNpyFile(`${FIX}loss_${name}_grad_proto.npy`).data as Float32Array);
    assert.ok(d < 1e-5, `grad proto: ${d}`);
  });
}

test('host target rows (the loader\'s Float32Array) and the default overlap=true give v7.0\'s overlap result', () => {
  const p = [0, 1, 2].map((i) => npy(`loss_p${i}`));
  const proto = npy('loss_proto');
  const t = readNpyFile(`${FIX}loss_overlap_targets.npy`).data as Float32Array;
  const r = new SegmentComputeLoss({ detect: head() }, exp.hyp).computeSegment(p, proto, t, npy('loss_overlap_masks'));
  assert.ok(rel(r.lseg, exp.cases.overlap.items[1]) < 1e-5); // overlap is the default, as v7.0's train.py
});

test('crop_mask keeps columns x1 ≤ c < x2 and rows y1 ≤ r < y2', () => {
  const m = torch.ones([1, 4, 5]);
  const out = cropMask(m, torch.tensor([[1.5, 1, 3, 2.5]])).toFloat32Array();
  const expected = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
  assert.deepEqual(Array.from(out), expected);
});

test('bad input: a detection model (nm = 0), masks of the wrong count', () => {
  assert.throws(() => new SegmentComputeLoss({ detect: { ...head(), nm: 0 } }, exp.hyp), /segmentation model/);
  const p = [0, 1, 2].map((i) => npy(`loss_p${i}`));
  const loss = new SegmentComputeLoss({ detect: head() }, exp.hyp, { overlap: false });
  assert.throws(() => loss.computeSegment(p, npy('loss_proto'), npy('loss_no_overlap_targets'), torch.zeros([2, 16, 16])), /one mask per target/);
});
