// #24 item 3: `--resume` refuses a checkpoint whose model is not its run folder's — checked against the folder's
// opt.yaml (cfg, weights) and the run's other checkpoint (the model YAML: rows, multiples, anchors, nc) — naming both,
// before results.csv or opt.yaml is touched. A checkpoint outside any run folder still resumes.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { modelYamlDifferences } from '../../src/train/resume-check.ts';
import { baseArgs, checkpointMeta, makeDigits, runCli, startCli, waitForEpoch } from './harness.ts';

let base = '';
let data = '';
let project = '';

/** A run killed after epoch 0: its last.safetensors is resumable (not stripped), best.safetensors beside it. */
async function killedRun(name: string, cfg: string, extra: string[] = []): Promise<void> {
  const args = baseArgs(data, project);
  args[args.indexOf('--cfg') + 1] = cfg;
  const run = startCli([...args, '--epochs', '3', '--noplots', '--name', name, ...extra], base);
  // best is written right after last: wait for both.
  await waitForEpoch(join(project, name, 'weights', 'best.safetensors'), 0, run.done);
  run.child.kill('SIGKILL');
  await run.done;
}

before(async () => {
  ({ base, data } = await makeDigits('resume-foreign'));
  project = join(base, 'runs', 'train');
  await killedRun('a', 'yolov5n-shufflenetv2.yaml');
  await killedRun('n', 'yolov5n.yaml');
  await killedRun('single', 'yolov5n-shufflenetv2.yaml', ['--single-cls']);
});
after(() => rmSync(base, { recursive: true, force: true }));

const aDir = () => join(project, 'a');
const aLast = () => join(aDir(), 'weights', 'last.safetensors');

/** Run a's folder as it is on disk. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(['results.csv', 'opt.yaml', 'hyp.yaml'].map((f) => [f, readFileSync(join(aDir(), f), 'utf8')]));
}

/** Runs `f` with `file` replaced by a copy of `other` (or removed), then puts the original bytes back. */
async function withReplaced(file: string, other: string | null, f: () => Promise<void>): Promise<void> {
  const original = readFileSync(file);
  if (other) copyFileSync(other, file);
  else rmSync(file);
  try {
    await f();
  } finally {
    writeFileSync(file, original);
  }
}

test('model YAML comparison: key order and an absent ch (3) do not matter; each differing top-level key is named', () => {
  const y = { nc: 10, depth_multiple: 0.33, width_multiple: 0.25, anchors: [[10, 13]], backbone: [[-1, 1, 'Conv', [64, 6, 2, 2]]], head: [[-1, 1, 'Detect', ['nc', 'anchors']]], ch: 3 };
  const reordered = { head: y.head, backbone: y.backbone, anchors: y.anchors, width_multiple: 0.25, depth_multiple: 0.33, nc: 10 };
  assert.deepEqual(modelYamlDifferences(y, reordered), []);
  assert.deepEqual(modelYamlDifferences(y, { ...reordered, nc: 1, ch: 1 }), ['ch', 'nc']);
  assert.deepEqual(modelYamlDifferences(y, { ...y, backbone: [[-1, 1, 'Conv', [32, 6, 2, 2]]], activation: 'nn.ReLU()' }), ['activation', 'backbone']);
});

test("another model's checkpoint copied into a run's weights/ is refused by opt.yaml's cfg, naming both; nothing touched", async () => {
  const before = snapshot();
  await withReplaced(aLast(), join(project, 'n', 'weights', 'last.safetensors'), async () => {
    const r = await runCli(['train', '--resume', aLast()], base);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /^tsyolo: error: --resume: \S*a\/weights\/last\.safetensors holds another model than the run in \S*runs\/train\/a: the checkpoint's is cfg 'yolov5n\.yaml', nc 10, the run's is cfg 'yolov5n-shufflenetv2\.yaml' \(\S*a\/opt\.yaml has cfg: 'yolov5n-shufflenetv2\.yaml', the checkpoint 'yolov5n\.yaml'\)\. Resuming would mix the two in results\.csv/m,
    );
    assert.doesNotMatch(r.stdout, /Resuming training from/);
    assert.deepEqual(snapshot(), before, 'results.csv, opt.yaml and hyp.yaml untouched');
  });
});

test("without opt.yaml the run's other checkpoint decides: a model YAML with another nc is refused, naming nc", async () => {
  const results = readFileSync(join(aDir(), 'results.csv'), 'utf8');
  await withReplaced(join(aDir(), 'opt.yaml'), null, () =>
    withReplaced(aLast(), join(project, 'single', 'weights', 'last.safetensors'), async () => {
      const r = await runCli(['train', '--resume', aLast()], base);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /the checkpoint's is cfg 'yolov5n-shufflenetv2\.yaml', nc 1, the run's is cfg 'yolov5n-shufflenetv2\.yaml', nc 10 \(its model YAML differs from best\.safetensors's in 'nc'\)/);
      assert.equal(readFileSync(join(aDir(), 'results.csv'), 'utf8'), results);
    }),
  );
});

test('a checkpoint outside any run folder resumes (its folder becomes the run), and so does the run’s own', async () => {
  const lone = join(base, 'lone', 'weights');
  mkdirSync(lone, { recursive: true });
  copyFileSync(join(project, 'n', 'weights', 'last.safetensors'), join(lone, 'last.safetensors'));
  const r = await runCli(['train', '--resume', join(lone, 'last.safetensors')], base);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(checkpointMeta(join(lone, 'last.safetensors')).epoch, '-1', 'finished and stripped');

  const own = await runCli(['train', '--resume', aLast()], base);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /Resuming training from \S*a\/weights\/last\.safetensors from epoch 1 to 3 total epochs/);
});
