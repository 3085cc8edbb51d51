// Data-parallel training's maths between two real rank processes on 127.0.0.1, through the trainer's own
// distributed phase (joinTraining: broadcastModel, averageGradients): after a step both ranks hold identical
// parameters, and 2 ranks × B/2 give the gradients of 1 process × B. The batch halves are set up so that this holds
// exactly: BatchNorm in eval mode (per-rank batch statistics differ from the whole batch's — unless --sync-bn
// synchronises them, tested last) and the same boxes in every image (YOLOv5's box and class losses are means over a rank's
// targets, so equal target counts per rank make the halves' means average to the whole batch's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort } from './helpers/free-port.ts';
import { fileURLToPath } from 'node:url';

const rankScript = fileURLToPath(new URL('./helpers/ddp-rank.ts', import.meta.url));
const CHILD_LIMIT_MS = 120_000;

async function runRanks(scenario: string, worldSize: number): Promise<Array<Record<string, unknown>>> {
  const port = await freePort();
  const ranks = Array.from({ length: worldSize }, (_, rank) => {
    const env = { ...process.env, RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
    const child = spawn(process.execPath, ['--import', 'tsx', rankScript, scenario], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_LIMIT_MS });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    return new Promise<Record<string, unknown>>((resolve) =>
      child.on('close', (code) => {
        const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
        const report = line ? (JSON.parse(line) as Record<string, unknown>) : { error: `no report; stderr: ${err}` };
        resolve({ ...report, code });
      }),
    );
  });
  return Promise.all(ranks);
}

test('two ranks: different initial weights become rank 0\'s, and after a step on different images the parameters are identical', async () => {
  const [r0, r1] = await runRanks('step', 2);
  for (const r of [r0!, r1!]) assert.equal(r.code, 0, JSON.stringify(r));
  assert.notEqual(r0!.before, r1!.before, 'the ranks start from different random weights');
  assert.equal(r1!.broadcast, r0!.before, "rank 1 holds rank 0's weights after broadcastModel");
  assert.equal(r0!.broadcast, r0!.before, "rank 0's weights are unchanged by the broadcast");
  assert.notEqual(r0!.after, r0!.broadcast, 'the step changed the weights');
  assert.equal(r1!.after, r0!.after, 'both ranks hold identical parameters after the step');
});

test('2 ranks × B/2 give the gradients of 1 process × B (relative difference ≤ 1e-6)', async (t) => {
  const [r0, r1] = await runRanks('grads', 2);
  t.diagnostic(`relative difference: all gradients ${r0!.globalRel}, worst tensor ${r0!.maxRel}`);
  for (const r of [r0!, r1!]) assert.equal(r.code, 0, JSON.stringify(r));
  assert.ok((r0!.tensors as number) > 50, 'every parameter of yolov5n is compared');
  assert.ok((r0!.globalRel as number) <= 1e-6, `all gradients together: relative difference ${r0!.globalRel}`);
  assert.ok((r0!.maxRel as number) <= 1e-5, `worst single tensor: relative difference ${r0!.maxRel}`);
});

test('--sync-bn: 2 ranks × B/2 with BatchNorm training give 1 process × B\'s gradients and running statistics', async (t) => {
  const [r0, r1] = await runRanks('syncbn-grads', 2);
  for (const r of [r0!, r1!]) assert.equal(r.code, 0, JSON.stringify(r));
  t.diagnostic(`relative difference: all gradients ${r0!.globalRel}, worst tensor ${r0!.maxRel}, running statistics ${r0!.statsRel}; synchronised BatchNorm vs libtorch's batch_norm in one process ${r0!.nativeRel}`);
  // Training-mode BatchNorm sums each half's statistics separately: float32 rounding leaves ~1e-6 (5e-8 in eval mode).
  assert.ok((r0!.globalRel as number) <= 5e-6, `all gradients together: relative difference ${r0!.globalRel}`);
  assert.ok((r0!.statsRel as number) <= 1e-6, `running mean/var: relative difference ${r0!.statsRel}`);
  // Same maths as libtorch's batch_norm, different float32 rounding (amplified through 60 layers and the loss).
  assert.ok((r0!.nativeRel as number) > 0 && (r0!.nativeRel as number) <= 1e-4, `vs batch_norm: ${r0!.nativeRel}`);
});
