// Bad input to `tsyolo train`: a clear one-line error, a failing exit status, and nothing already on disk deleted.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseArgs, makeDigits, runCli } from './harness.ts';

let base = '';
let data = '';
let project = '';

/** A previous run's files, which a failing run must leave exactly as they were. */
const EARLIER = { 'weights/last.safetensors': 'earlier weights', 'results.csv': 'earlier results\n', 'hyp.yaml': 'lr0: 0.01\n' };

function writeEarlierRun(): void {
  for (const [f, text] of Object.entries(EARLIER)) {
    mkdirSync(join(project, 'exp', f, '..'), { recursive: true });
    writeFileSync(join(project, 'exp', f), text);
  }
}
function assertEarlierRunIntact(): void {
  for (const [f, text] of Object.entries(EARLIER)) {
    if (f === 'hyp.yaml') continue; // a new run may write its own hyp.yaml (train.py does, before loading data)
    assert.equal(readFileSync(join(project, 'exp', f), 'utf8'), text, `${f} unchanged`);
  }
}

before(async () => {
  ({ base, data } = await makeDigits('bad-input'));
  project = join(base, 'runs', 'train');
  writeEarlierRun();
});
after(() => rmSync(base, { recursive: true, force: true }));

test('missing --data', async () => {
  const r = await runCli(['train', '--cfg', 'yolov5n-shufflenetv2.yaml', '--epochs', '1', '--project', project, '--name', 'exp', '--exist-ok'], base);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'tsyolo: error: train needs --data (a dataset YAML)');
  assertEarlierRunIntact();
  assert.deepEqual(readdirSync(project), ['exp']);
});

test('a --data file that does not exist is named in the error', async () => {
  const missing = join(base, 'nowhere', 'data.yaml');
  const args = baseArgs(data, project);
  args[args.indexOf(data)] = missing;
  const r = await runCli([...args, '--epochs', '1', '--name', 'exp', '--exist-ok'], base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tsyolo: error: .*nowhere\/data\.yaml/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
  assertEarlierRunIntact();
});

test('unknown --optimizer', async () => {
  const r = await runCli([...baseArgs(data, project), '--epochs', '1', '--optimizer', 'Lion'], base);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), "tsyolo: error: --optimizer must be SGD, Adam or AdamW, got 'Lion'");
  assertEarlierRunIntact();
  assert.deepEqual(readdirSync(project), ['exp'], 'rejected before any run folder is made');
});

test('a label whose class is ≥ nc', async () => {
  // Class 12 in a 10-class set: train.py's "Label class 12 exceeds nc=10" assertion.
  const labelDir = join(base, 'digits', 'labels', 'train');
  const file = join(labelDir, readdirSync(labelDir).filter((f) => f.endsWith('.txt')).sort()[0]!);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  lines[0] = `12 ${lines[0]!.split(' ').slice(1).join(' ')}`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  for (const f of readdirSync(join(base, 'digits', 'labels'))) if (f.endsWith('.cache')) rmSync(join(base, 'digits', 'labels', f));

  const r = await runCli([...baseArgs(data, project), '--epochs', '1', '--noplots', '--name', 'exp', '--exist-ok'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /^tsyolo: error: .*[Ll]abel class 12 exceeds nc=10/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assertEarlierRunIntact();
  assert.ok(!existsSync(join(project, 'exp', 'weights', 'best.safetensors')), 'no checkpoint from the failed run');
});
