// `--plugin` on the task commands: `classify train|val|predict` build and load a -cls YAML whose block comes from a
// plugin (test/fixtures/plugins/gate.js's MyGate before the Classify head), and a checkpoint of it needs the plugin
// again. A missing plugin fails on `classify …` and `segment …` with the very line detection's `train` prints, before
// any run folder exists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const GATE_JS = join(fixtures, 'gate.js');
const GATE_CLS_YAML = join(fixtures, 'yolov5n-cls-mygate.yaml');
const work = mkdtempSync(join(tmpdir(), 'tsyolo-classify-plugins-'));
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work, env: { ...process.env, ...env } });
after(() => rmSync(work, { recursive: true, force: true }));

test('classify train|val|predict --plugin gate.js: a -cls YAML with the plugin block MyGate trains, validates and predicts; without --plugin its checkpoint is refused', () => {
  const data = join(work, 'digits');
  const made = run(['data', 'digits', '--task', 'classify', '--out', data, '--train', '20', '--val', '10']);
  assert.equal(made.status, 0, made.stderr);

  const log = join(work, 'loads.log');
  const project = join(work, 'runs');
  const tr = run(['classify', 'train', '--model', GATE_CLS_YAML, '--data', data, '--epochs', '1', '--batch-size', '8', '--imgsz', '32', '--workers', '2', '--project', project, '--name', 'gate', '--plugin', GATE_JS], { PLUGIN_LOG: log });
  assert.equal(tr.status, 0, tr.stderr + tr.stdout);
  // v7.0's yolov5n-cls with 10 classes prints 118 layers, 1224810 parameters; MyGate adds a 1×1 conv with bias on
  // 256 channels (3 modules: MyGate, its Conv2d, its Sigmoid).
  assert.match(tr.stdout, new RegExp(`summary: 121 layers, ${1224810 + 256 * 256 + 256} parameters`));
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.split(' ')[1] === '0').length, 1, 'the CLI thread loaded the plugin once');
  const best = join(project, 'gate', 'weights', 'best.safetensors');
  const st = readSafetensors(best);
  assert.equal(st.metadata.task, 'classify');
  assert.match(st.metadata.yaml!, /"MyGate"/);
  assert.deepEqual(st.tensors.get('model.9.conv.weight')!.shape, [256, 256, 1, 1]);
  assert.deepEqual(st.tensors.get('model.10.linear.weight')!.shape, [10, 1280]);

  const without = run(['classify', 'val', '--weights', best, '--data', data, '--imgsz', '32', '--project', project, '--name', 'val-without']);
  assert.equal(without.status, 1);
  assert.match(without.stderr, /unknown module 'MyGate'.*--plugin/);
  assert.ok(!existsSync(join(project, 'val-without')));

  const va = run(['classify', 'val', '--weights', best, '--data', data, '--imgsz', '32', '--project', project, '--name', 'val', '--plugin', GATE_JS]);
  assert.equal(va.status, 0, va.stderr);
  const all = va.stdout.split('\n').find((l) => l.trim().startsWith('all '))!;
  const [, images, top1, top5] = all.trim().split(/\s+/);
  assert.equal(images, '10');
  assert.ok(Number(top1) >= 0 && Number(top5) >= Number(top1) && Number(top5) <= 1);

  const pr = run(['classify', 'predict', '--weights', best, '--source', join(data, 'val', '3'), '--imgsz', '32', '--project', project, '--name', 'pred', '--plugin', GATE_JS]);
  assert.equal(pr.status, 0, pr.stderr);
  assert.match(pr.stdout, /image 1\/1 .*00000\.png: 32x32 (\d \d\.\d\d, ){5}/);
  assert.deepEqual(readdirSync(join(project, 'pred')), ['00000.png']);
});

test("a missing --plugin: classify and segment train|val|predict fail with detection train's one line, exit 1, no run folder", () => {
  const project = join(work, 'missing-runs');
  const detect = run(['train', '--data', 'none.yaml', '--project', project, '--plugin', 'missing.ts']);
  assert.equal(detect.status, 1);
  assert.equal(detect.stderr.trim(), `tsyolo: error: --plugin missing.ts: no such file (${join(work, 'missing.ts')})`);
  for (const args of [
    ['classify', 'train', '--data', 'none'],
    ['classify', 'val', '--data', 'none', '--weights', 'none.safetensors'],
    ['classify', 'predict', '--weights', 'none.safetensors', '--source', 'none.png'],
    ['segment', 'train', '--data', 'none.yaml'],
    ['segment', 'val', '--data', 'none.yaml', '--weights', 'none.safetensors'],
    ['segment', 'predict', '--weights', 'none.safetensors', '--source', 'none.png'],
  ]) {
    const r = run([...args, '--project', project, '--plugin', 'missing.ts']);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stderr.trim(), detect.stderr.trim(), args.join(' '));
  }
  assert.ok(!existsSync(project));
});
