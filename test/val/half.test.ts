// --half on val and detect (libtorch weights): the model's floating-point tensors in bfloat16 on the CPU (float16 on
// CUDA), predictions back in float32 and close to the float32 run's; the trained digits checkpoint gives nearly the
// same mAP through `val --half`. ONNX weights run as exported with a warning; an ensemble refuses --half.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import { halfDtype, libtorchBackend } from '../../src/deploy/libtorch-backend.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const weights = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-half-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const data = generateDigits({ out: join(dir, 'digits'), train: 2, val: 24, img: 320, seed: 11, log: () => {} });

test('halfDtype: float16 on CUDA, bfloat16 on the CPU', () => {
  assert.equal(halfDtype('cuda:0'), 'float16');
  assert.equal(halfDtype('cpu'), 'bfloat16');
});

test('libtorchBackend({ half }): bfloat16 weights on the CPU, float32 predictions close to the float32 ones', async () => {
  const input = Uint8Array.from({ length: 3 * 320 * 320 }, (_, i) => (i * 7919) % 251);
  const outputs = [];
  for (const half of [false, true]) {
    const { model } = loadModel(weights);
    const backend = libtorchBackend(model.fuse().eval(), { half });
    const dtypes = new Set([...model.stateDict().values()].map((t) => t.dtype));
    assert.deepEqual([...dtypes].filter((d) => d.startsWith('float') || d === 'bfloat16'), [half ? 'bfloat16' : 'float32']);
    const out = await backend.forward(input, [1, 3, 320, 320]);
    assert.ok(out.data instanceof Float32Array);
    outputs.push(out);
    await backend.dispose();
  }
  const [a, b] = outputs;
  assert.deepEqual(a!.shape, b!.shape);
  // objectness and class scores (sigmoids): bfloat16 keeps ~3 significant digits
  let maxDiff = 0;
  const width = a!.shape[2]!;
  for (let i = 0; i < a!.data.length; i++) if (i % width >= 4) maxDiff = Math.max(maxDiff, Math.abs(a!.data[i]! - b!.data[i]!));
  assert.ok(maxDiff < 0.05, `score difference ${maxDiff}`);
});

test('val --half prints the table with an mAP close to the float32 run', async () => {
  const { yamlPath } = await data;
  const map = (half: boolean) => {
    const r = run('val', '--weights', weights, '--data', yamlPath, '--img', '320', '--workers', '0', '--json', ...(half ? ['--half'] : []));
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { mAP50: number; mAP50_95: number };
  };
  const full = map(false);
  const half = map(true);
  assert.ok(full.mAP50 > 0.3, `the checkpoint detects digits (mAP50 ${full.mAP50})`);
  assert.ok(Math.abs(full.mAP50 - half.mAP50) < 0.03, `mAP50 ${full.mAP50} vs ${half.mAP50}`);
  assert.ok(Math.abs(full.mAP50_95 - half.mAP50_95) < 0.03, `mAP50-95 ${full.mAP50_95} vs ${half.mAP50_95}`);
});

test('detect --half runs; an ensemble refuses --half naming the flag', async () => {
  const { out } = await data;
  const r = run('detect', '--weights', weights, '--source', join(out, 'images', 'val'), '--img', '320', '--half', '--project', join(dir, 'det'), '--name', 'h');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^image 24\/24 .*: 320x320 /m);
  const e = run('detect', '--weights', weights, weights, '--source', join(out, 'images', 'val'), '--half', '--project', join(dir, 'det'), '--name', 'e');
  assert.equal(e.status, 1);
  assert.match(e.stderr, /--half runs one model/);
});
