// One rank of test/segment/train-ddp.test.ts's gradient check, started with torchrun's environment (RANK,
// WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and joined through the trainer's distributed phase (joinTraining):
// ranks take halves of one batch of a yolov5n-seg (BatchNorm in eval mode; every image the same two targets and the
// same overlap mask), segment/train.py's loss × WORLD_SIZE, averageGradients; rank 0 also computes one process's
// gradients on the whole batch and prints the relative differences as one JSON line.
import { readRankEnvironment } from '../../../src/distributed/environment.ts';
import { DEFAULT_HYP } from '../../../src/data/hyp.ts';
import { BatchNorm2d } from '../../../src/nn/batchnorm2d.ts';
import * as torch from '../../../src/tensor/index.ts';
import { SegmentComputeLoss } from '../../../src/train/segment-loss.ts';
import { forwardTrainSegment } from '../../../src/train/segment-train.ts';
import { joinTraining } from '../../../src/train/train-distributed.ts';
import { DetectionModel } from '../../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../../src/yolo/model-config.ts';

const IMG = 64;
const BATCH = 4;
const M = IMG / 4;

function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Images `first`…`first + count − 1` of a fixed noise batch, each with the same two targets and overlap mask. */
function batch(first: number, count: number): { x: torch.Tensor; targets: Float32Array; masks: torch.Tensor } {
  torch.manualSeed(7);
  const x = torch.rand([BATCH, 3, IMG, IMG]).narrow(0, first, count).contiguous();
  const rows: number[] = [];
  for (let i = 0; i < count; i++) rows.push(i, 0, 0.3, 0.4, 0.25, 0.3, i, 1, 0.7, 0.6, 0.4, 0.2);
  const one = new Float32Array(M * M);
  for (let y = 0; y < M; y++) {
    for (let xx = 0; xx < M; xx++) {
      const [u, v] = [(xx + 0.5) / M, (y + 0.5) / M];
      if (Math.abs(u - 0.3) < 0.1 && Math.abs(v - 0.4) < 0.12) one[y * M + xx] = 1;
      else if (Math.abs(u - 0.7) < 0.18 && Math.abs(v - 0.6) < 0.08) one[y * M + xx] = 2;
    }
  }
  const masks = new Float32Array(count * M * M);
  for (let i = 0; i < count; i++) masks.set(one, i * M * M);
  return { x, targets: Float32Array.from(rows), masks: torch.tensor(masks, { shape: [count, M, M] }) };
}

function model(): DetectionModel {
  torch.manualSeed(3);
  const m = new DetectionModel(loadModelConfig('yolov5n-seg.yaml').config, { nc: 2 });
  m.train();
  for (const mod of m.modules()) if (mod instanceof BatchNorm2d) mod.eval();
  return m;
}

function gradients(m: DetectionModel, b: ReturnType<typeof batch>, worldSize: number): void {
  const { raw, proto } = forwardTrainSegment(m, b.x);
  const l = new SegmentComputeLoss(m, { ...DEFAULT_HYP }, { overlap: true }).computeSegment(raw, proto, b.targets, b.masks);
  l.loss.mul(worldSize).backward();
}

const env = readRankEnvironment()!;
try {
  const dist = joinTraining(env, { device: 'cpu', timeoutS: 60, log: () => {} });
  const mine = model();
  dist.broadcastModel(mine);
  const half = BATCH / env.worldSize;
  gradients(mine, batch(env.rank * half, half), env.worldSize);
  const params = [...mine.parameters()];
  dist.averageGradients(params);
  if (env.rank === 0) {
    const single = model();
    gradients(single, batch(0, BATCH), 1);
    const reference = [...single.parameters()];
    let diff2 = 0, ref2 = 0, maxRel = 0, protoRel = 0;
    const names = [...single.namedParameters()].map(([k]) => k);
    for (let k = 0; k < params.length; k++) {
      const d = params[k]!.grad!.sub(reference[k]!.grad!).norm().item();
      const n = reference[k]!.grad!.norm().item();
      diff2 += d * d;
      ref2 += n * n;
      if (n > 0) maxRel = Math.max(maxRel, d / n);
      // The Proto branch's gradients come from the mask loss alone.
      if (names[k]!.includes('.proto.') && n > 0) protoRel = Math.max(protoRel, d / n);
    }
    report({ rank: 0, tensors: params.length, protoTensors: names.filter((k) => k.includes('.proto.')).length, globalRel: Math.sqrt(diff2 / ref2), maxRel, protoRel });
  } else report({ rank: env.rank });
  dist.close();
} catch (e) {
  report({ rank: env.rank, error: (e as Error).message });
  process.exitCode = 1;
}
