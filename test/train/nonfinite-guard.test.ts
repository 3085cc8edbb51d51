// The trainer's guards before a checkpoint write (#24 item 1): weights holding NaN/inf, an unvalidated EMA whose
// outputs are NaN, and a validation with NaN losses or outputs each stop the run naming the epoch and the kept file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { noGrad } from '../../src/tensor/runtime.ts';
import { assertFiniteOutputs, assertFiniteValidation, assertFiniteWeights, nonFiniteEntries } from '../../src/train/nonfinite-guard.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const last = join(dir, 'last.safetensors');

function model(): DetectionModel {
  return new DetectionModel(loadModelConfig('yolov5n-shufflenetv2.yaml').config, { nc: 3 }).eval();
}

test('weights: every non-finite state_dict entry is found; the message names the epoch, entries and kept file', () => {
  const m = model();
  try {
    assert.deepEqual(nonFiniteEntries(m), []);
    assertFiniteWeights([{ what: 'EMA', model: m }], 4, last);
    const sd = [...m.stateDict()];
    const picks = [sd.find(([k]) => k.endsWith('running_var'))!, sd.find(([k]) => k.endsWith('conv.weight'))!, sd.at(-1)!];
    noGrad(() => {
      picks[0]![1].fill_(Number.POSITIVE_INFINITY);
      picks[1]![1].view(-1).narrow(0, 3, 1).fill_(Number.NaN);
      picks[2]![1].fill_(Number.NEGATIVE_INFINITY);
    });
    const names = sd.map(([k]) => k).filter((k) => picks.some(([p]) => p === k));
    assert.deepEqual(nonFiniteEntries(m), names, 'in state_dict order, one NaN in a whole tensor is enough');
    assert.throws(() => assertFiniteWeights([{ what: 'EMA', model: m }], 4, last), (e: Error) => e.message === `EMA weights are non-finite (NaN/inf) at epoch 4 (${names.join(', ')}): stopping without saving them; no checkpoint was saved yet`);
    writeFileSync(last, 'kept');
    assert.throws(() => assertFiniteWeights([{ what: 'training', model: m }], 7, last), new RegExp(`^Error: training weights are non-finite \\(NaN/inf\\) at epoch 7 .*; the last good checkpoint is ${last.replace(/[.]/g, '\\.')}$`));
  } finally {
    m.dispose();
    rmSync(last, { force: true });
  }
});

test('outputs: a grey-image forward of the EMA; NaN in the head is caught, a sound model passes', () => {
  const m = model();
  try {
    assertFiniteOutputs(m, 64, 'cpu', 2, last);
    const [, bias] = [...m.stateDict()].find(([k]) => k.endsWith('.m.1.bias'))!;
    noGrad(() => bias.fill_(Number.NaN));
    assert.throws(() => assertFiniteOutputs(m, 64, 'cpu', 2, last), /^Error: the EMA model gives non-finite outputs \(NaN\/inf\) at epoch 2 \(\d+ values on a grey 64x64 image\): stopping without saving it; no checkpoint was saved yet$/);
  } finally {
    m.dispose();
  }
});

test('validation: non-finite losses, non-finite outputs, or both are named with the epoch', () => {
  assertFiniteValidation({ losses: [0.1, 0.02, 0.3], nonFiniteImages: 0, seen: 8 }, 0, last);
  assert.throws(() => assertFiniteValidation({ losses: [Number.NaN, 0.02, Number.POSITIVE_INFINITY], nonFiniteImages: 0, seen: 8 }, 3, last), /^Error: validation loss is non-finite \(box NaN, obj 0\.02, cls Infinity\) at epoch 3: stopping; no checkpoint was saved yet$/);
  assert.throws(() => assertFiniteValidation({ losses: [0.1, 0.02, 0.3], nonFiniteImages: 2, seen: 8 }, 5, last), /^Error: the model gave non-finite outputs for 2 of 8 validation images at epoch 5: stopping/);
});
