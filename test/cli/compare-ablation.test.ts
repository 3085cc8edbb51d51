// `tsyolo compare` as an ablation table: a YAML beside a trained checkpoint, --speed latencies, and the files it
// writes (compare.md with the thread count, compare.csv, compare.png), in runs/compare/exp, exp2, …
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const checkpoint = fileURLToPath(new URL('../fixtures/lite/v5Lite-e-mini.pt', import.meta.url));

test('compare v5Lite-e.yaml and a Lite checkpoint --speed: table, latencies, compare.md/.csv/.png', () => {
  const project = join(mkdtempSync(join(tmpdir(), 'tsyolo-ablation-')), 'runs');
  const r = spawnSync(process.execPath, [bin, 'compare', 'v5Lite-e.yaml', checkpoint, '--img', '64', '--speed', '--project', project], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /libtorch ms\s+onnxruntime ms/);
  // v5Lite-e at nc 80: 217 layers, 787085 parameters, 3.0 GFLOPs at 640 → 3.02/100 at 64.
  // Latencies: median ± std of the interleaved runs.
  assert.match(r.stdout, /v5Lite-e\.yaml\s+217\s+787085\s+0\.0\s+\d+\.\d ± \d+\.\d\s+\d+\.\d ± \d+\.\d/);

  const dir = join(project, 'exp');
  const csv = readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'model,layers,parameters,gflops,libtorch_ms,onnxruntime_ms,libtorch_ms_std,onnxruntime_ms_std');
  assert.equal(csv.length, 3);
  const [, layers, params, gflops, torchMs, onnxMs, torchStd, onnxStd] = csv[1]!.split(',');
  assert.deepEqual([layers, params], ['217', '787085']);
  assert.ok(Math.abs(Number(gflops) - 0.0302) < 5e-4, `gflops ${gflops}`);
  assert.ok(Number(torchMs) > 0 && Number(onnxMs) > 0, `latencies ${torchMs} ${onnxMs}`);
  assert.ok(Number(torchStd) >= 0 && Number(onnxStd) >= 0, `std ${torchStd} ${onnxStd}`);
  assert.ok(csv[2]!.startsWith(`${checkpoint},`));

  const md = readFileSync(join(dir, 'compare.md'), 'utf8');
  assert.match(md, /^\| model \| layers \| parameters \| GFLOPs@64 \|/);
  assert.match(md, /median ± standard deviation, ms per image .*batch 1, fused model, .*after warm-up, every entry and runtime interleaved round-robin, \d+ threads?/);
  assert.deepEqual([...readFileSync(join(dir, 'compare.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

  // A second run goes to exp2, leaving the first table as it was.
  const again = spawnSync(process.execPath, [bin, 'compare', 'v5Lite-s.yaml', 'v5Lite-e.yaml', '--img', '64', '--project', project], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.ok(existsSync(join(project, 'exp2', 'compare.png')));
  assert.equal(readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n').length, 3);
});

test('compare: a missing entry exits non-zero naming it', () => {
  const r = spawnSync(process.execPath, [bin, 'compare', 'v5Lite-e.yaml', 'nope.yaml', '--project', join(tmpdir(), 'tsyolo-nope')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope\.yaml/);
});

test('compare --data: a trained checkpoint gets its mAP50 and mAP50-95 on the val split; a YAML entry none', async () => {
  const { generateDigits } = await import('../../src/data/digits.ts');
  const base = mkdtempSync(join(tmpdir(), 'tsyolo-ablation-data-'));
  const { yamlPath } = await generateDigits({ out: join(base, 'digits'), train: 4, val: 8, img: 96, seed: 5 });
  const weights = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
  const project = join(base, 'runs');
  const r = spawnSync(process.execPath, [bin, 'compare', 'yolov5n-shufflenetv2.yaml', weights, '--img', '96', '--data', yamlPath, '--project', project], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /mAP50\s+mAP50-95/);
  const csv = readFileSync(join(project, 'exp', 'compare.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'model,layers,parameters,gflops,map50,map50_95');
  assert.ok(csv[1]!.endsWith(',,'), `the YAML row has no mAP: ${csv[1]}`);
  const [map50, map] = csv[2]!.split(',').slice(-2).map(Number);
  assert.ok(map50! > 0 && map50! <= 1 && map! > 0 && map! <= map50!, `mAP50 ${map50}, mAP50-95 ${map}`);
});
