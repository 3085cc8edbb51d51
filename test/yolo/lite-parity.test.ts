// YOLOv5-Lite against its own code: every shipped Lite config's summary equals what ppogg/YOLOv5-Lite + thop 0.1.1
// print (test/fixtures/lite/summaries.json), and checkpoints saved by it load with its outputs, fused too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import { readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { fromHost, noGrad, tidy, type Tensor } from '../../src/tensor/index.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/lite/${f}`, import.meta.url));

type Row = { layers: number; parameters: number; gradients: number; gflops: number; gflops_exact: number };
const reference = JSON.parse(readFileSync(fixture('summaries.json'), 'utf8')) as Record<string, { unfused: Row; fused: Row }>;

for (const name of Object.keys(reference)) {
  test(`${name}: summary equals YOLOv5-Lite's own, unfused and after its fuse()`, () => {
    const ref = reference[name]!;
    const { config, file } = loadModelConfig(name);
    const model = new DetectionModel(config, { yamlFile: file });
    const check = (what: string, want: Row) => {
      const s = summarize(model);
      assert.deepEqual([s.layers, s.parameters, Number(s.gflops.toFixed(1))], [want.layers, want.parameters, want.gflops], what);
      assert.ok(Math.abs(s.gflops - want.gflops_exact) <= 1e-9 * want.gflops_exact, `${what} GFLOPs ${s.gflops} vs ${want.gflops_exact}`);
      return s;
    };
    assert.equal(check('unfused', ref.unfused).gradients, ref.unfused.gradients);
    model.fuse();
    const fused = check('fused', ref.fused);
    // YOLOv5-Lite's fuse() detach_()es every parameter when it re-parameterises a RepVGGBlock, so its fused
    // "gradients" count only the convs made afterwards; tsyolo's fused models keep their parameters trainable.
    if (!config.backbone.some((row) => row[2] === 'RepVGGBlock')) assert.equal(fused.gradients, ref.fused.gradients);
    model.dispose();
  });
}

const maxAbs = (t: Tensor) => tidy(() => t.abs().max().item());
const maxAbsDiff = (a: Tensor, b: Tensor) => tidy(() => a.sub(b).abs().max().item());

for (const stem of ['v5Lite-e-mini', 'v5Lite-s-mini', 'v5Lite-c-mini', 'v5Lite-g-mini', 'mbv3s-mini', 'PicoDet-s-mini']) {
  test(`${stem}.pt (YOLOv5-Lite's checkpoint): eval output equals YOLOv5-Lite's (≤ 1e-5 of the output range), fused too`, () => {
    const expected = JSON.parse(readFileSync(fixture(`${stem}_expected.json`), 'utf8')) as { names: string[]; strides: number[]; state_dict: Record<string, number[]> };
    const { model, meta } = loadModel(fixture(`${stem}.pt`));
    assert.deepEqual(model.names, expected.names);
    assert.deepEqual(model.stride, expected.strides);
    assert.equal(meta.epoch, -1);
    // The rebuilt model has the checkpoint's keys in PyTorch's order, except v5.0's anchor_grid buffer.
    const ck = readYoloCheckpoint(fixture(`${stem}.pt`));
    assert.deepEqual([...model.stateDict().keys()], [...ck.stateDict.keys()].filter((k) => !k.endsWith('.anchor_grid')));
    model.eval();
    const x = fromHost(readNpyFile(fixture(`${stem}_input.npy`)));
    const ref = fromHost(readNpyFile(fixture(`${stem}_output.npy`)));
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, ref.shape);
    const scale = maxAbs(ref);
    assert.ok(maxAbsDiff(y, ref) <= 1e-5 * scale, `max diff ${maxAbsDiff(y, ref)} (range ${scale})`);
    model.fuse();
    const refFused = fromHost(readNpyFile(fixture(`${stem}_fused_output.npy`)));
    const yf = noGrad(() => model.forward(x) as Tensor);
    assert.ok(maxAbsDiff(yf, refFused) <= 1e-5 * scale, `fused max diff ${maxAbsDiff(yf, refFused)} (range ${scale})`);
    model.dispose();
  });
}
