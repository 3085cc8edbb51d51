// One rank of the data-parallel tests, started with torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT) and joined through the trainer's own distributed phase (joinTraining):
//   node --import tsx ddp-rank.ts <scenario>
// 'step':  ranks start from different random weights, broadcastModel, one SGD step on different images with the
//          trainer's loss scaling and averageGradients; prints hashes of the parameters before and after.
// 'grads': ranks take halves of one batch (BatchNorm in eval mode, equal label counts per half), loss × WORLD_SIZE,
//          averageGradients; rank 0 also computes one process's gradients on the whole batch and prints the
//          relative differences. 'syncbn-grads': the same with BatchNorm training, synchronised (--sync-bn).
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readRankEnvironment } from '../../../src/distributed/environment.ts';
import { DEFAULT_HYP } from '../../../src/data/hyp.ts';
import { BatchNorm2d, convertSyncBatchNorm } from '../../../src/nn/batchnorm2d.ts';
import * as torch from '../../../src/tensor/index.ts';
import { ComputeLoss } from '../../../src/train/loss.ts';
import { smartOptimizer } from '../../../src/train/optimizer.ts';
import { joinTraining } from '../../../src/train/train-distributed.ts';
import { DetectionModel } from '../../../src/yolo/detection-model.ts';
import { loadModel } from '../../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../../src/yolo/model-config.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/yolov5n.pt', import.meta.url));
const IMG = 64;
const BATCH = 4;

function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function paramHash(model: DetectionModel): string {
  const h = createHash('sha256');
  for (const p of model.parameters()) h.update(new Uint8Array(p.contiguous().toTypedArray().buffer as ArrayBuffer));
  return h.digest('hex');
}

/** BATCH images of noise and, for every image, the same two boxes: each half of the batch has equal targets. */
function batch(first: number, count: number): { x: torch.Tensor; targets: torch.Tensor } {
  torch.manualSeed(7);
  const all = torch.rand([BATCH, 3, IMG, IMG]);
  const x = all.narrow(0, first, count).contiguous();
  const rows: number[] = [];
  for (let i = 0; i < count; i++) rows.push(i, 0, 0.3, 0.4, 0.25, 0.3, i, 1, 0.7, 0.6, 0.4, 0.2);
  return { x, targets: torch.tensor(rows, { shape: [rows.length / 6, 6] }) };
}

/** The trainer's forward/backward: loss × WORLD_SIZE, then gradients averaged over ranks. */
function gradients(model: DetectionModel, x: torch.Tensor, targets: torch.Tensor, worldSize: number): void {
  const loss = new ComputeLoss(model, { ...DEFAULT_HYP }).compute(model.forward(x) as torch.Tensor[], targets).loss;
  loss.mul(worldSize).backward();
}

const env = readRankEnvironment()!;
const scenario = process.argv[2];
try {
  const dist = joinTraining(env, { device: 'cpu', timeoutS: 60, log: () => {} });
  if (scenario === 'step') {
    torch.manualSeed(100 + env.rank);
    const model = new DetectionModel(loadModelConfig('yolov5n.yaml').config, { nc: 2 });
    const before = paramHash(model);
    dist.broadcastModel(model);
    const broadcast = paramHash(model);
    const optimizer = smartOptimizer(model, 'SGD', 0.1, 0.9, 5e-4);
    model.train();
    const half = BATCH / env.worldSize;
    const { x, targets } = batch(env.rank * half, half);
    gradients(model, x, targets, env.worldSize);
    const params = [...model.parameters()];
    dist.averageGradients(params);
    optimizer.step();
    report({ rank: env.rank, before, broadcast, after: paramHash(model) });
  } else if (scenario === 'grads' || scenario === 'syncbn-grads') {
    // 'grads': BatchNorm in eval mode; 'syncbn-grads': BatchNorm training over both ranks' halves (--sync-bn)
    // against plain BatchNorm over the whole batch in one process.
    const sync = scenario === 'syncbn-grads';
    const evalBn = (m: DetectionModel) => {
      m.train();
      if (!sync) for (const mod of m.modules()) if (mod instanceof BatchNorm2d) mod.eval();
      return m;
    };
    const model = evalBn(loadModel(FIXTURE).model);
    if (sync) dist.syncBatchNorm(model);
    const half = BATCH / env.worldSize;
    const mine = batch(env.rank * half, half);
    gradients(model, mine.x, mine.targets, env.worldSize);
    const params = [...model.parameters()];
    dist.averageGradients(params);
    if (env.rank === 0) {
      // The reference: one process on the whole batch through the same BatchNorm code (with --sync-bn: its
      // synchronised form over a single rank, whose sum over ranks is the identity).
      const single = evalBn(loadModel(FIXTURE).model);
      if (sync) convertSyncBatchNorm(single, (t) => t);
      const whole = batch(0, BATCH);
      gradients(single, whole.x, whole.targets, 1);
      const reference = [...single.parameters()];
      // With --sync-bn, also how far the synchronised form is from libtorch's own batch_norm (rounding only).
      let nativeRel = 0;
      if (sync) {
        const plain = loadModel(FIXTURE).model.train();
        gradients(plain, whole.x, whole.targets, 1);
        let d2 = 0;
        let r2 = 0;
        for (const [k, p] of [...plain.parameters()].entries()) {
          d2 += p.grad!.sub(reference[k]!.grad!).norm().item() ** 2;
          r2 += p.grad!.norm().item() ** 2;
        }
        nativeRel = Math.sqrt(d2 / r2);
      }
      let maxRel = 0;
      let diff2 = 0;
      let ref2 = 0;
      for (let k = 0; k < params.length; k++) {
        const g = params[k]!.grad!;
        const r = reference[k]!.grad!;
        const d = g.sub(r).norm().item();
        const n = r.norm().item();
        diff2 += d * d;
        ref2 += n * n;
        if (n > 0) maxRel = Math.max(maxRel, d / n);
      }
      // BatchNorm's running statistics after the step: equal to one process's when they were synchronised.
      let statsRel = 0;
      const own = model.stateDict();
      for (const [k, t] of single.stateDict()) {
        if (!k.endsWith('running_mean') && !k.endsWith('running_var')) continue;
        statsRel = Math.max(statsRel, own.get(k)!.sub(t).norm().item() / Math.max(t.norm().item(), 1e-12));
      }
      report({ rank: 0, tensors: params.length, maxRel, globalRel: Math.sqrt(diff2 / ref2), statsRel, nativeRel });
    } else report({ rank: env.rank });
  }
  dist.close();
} catch (e) {
  report({ rank: env.rank, error: (e as Error).message });
  process.exitCode = 1;
}
