// A YOLOv5 v7.0 segmentation checkpoint (segment/train.py's SegmentationModel, whose pickle reaches Detect.forward
// through getattr, read as a name): it loads, and boxes + mask coefficients and the mask prototypes equal v7.0's
// within 1e-5 of the output range, fused too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNpyFile } from '../../src/io/npy.ts';
import { fromHost, noGrad } from '../../src/tensor/index.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { Segment } from '../../src/yolo/modules/heads/segment.ts';
import { assertV7Structure, readV7Expected, relativeDiff, v7Fixture } from './v7-fixture.ts';

const fixture = v7Fixture;
const stem = 'yolov5n-seg-mini';

test(`${stem}.pt: loads, and pred and protos equal YOLOv5 v7.0's (≤ 1e-5 relative), fused too`, () => {
  const expected = readV7Expected(stem);
  const { model } = loadModel(fixture(`${stem}.pt`));
  assert.ok(model.detect instanceof Segment);
  assertV7Structure(model, expected);

  model.eval();
  const x = fromHost(readNpyFile(fixture(`${stem}_input.npy`)));
  for (const [when, suffix] of [['unfused', ''], ['fused', '_fused']] as const) {
    if (when === 'fused') model.fuse();
    const { pred, proto } = noGrad(() => model.forwardSegment(x));
    assert.deepEqual(pred.shape, expected.output_shape);
    assert.deepEqual(proto.shape, expected.proto_shape);
    const dp = relativeDiff(pred, fromHost(readNpyFile(fixture(`${stem}${suffix}_output.npy`))));
    const dq = relativeDiff(proto, fromHost(readNpyFile(fixture(`${stem}${suffix}_proto.npy`))));
    assert.ok(dp <= 1e-5 && dq <= 1e-5, `${when}: pred ${dp}, proto ${dq}`);
  }
  model.dispose();
});
