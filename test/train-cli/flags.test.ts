// train.py's flag checks: positive epochs/batch/img, check_img_size's stride rounding with its warning, device
// names, and a clear warning when --weights fit none of the --cfg model.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseArgs, makeDigits, REPO, runCli } from './harness.ts';

let base = '';
let data = '';
let project = '';

before(async () => {
  ({ base, data } = await makeDigits('flags'));
  project = join(base, 'runs', 'train');
});
after(() => rmSync(base, { recursive: true, force: true }));

/** baseArgs with one flag's value replaced (or added). */
function withFlag(flag: string, value: string): string[] {
  const args = baseArgs(data, project);
  const at = args.indexOf(flag);
  if (at >= 0) args[at + 1] = value;
  else args.push(flag, value);
  return args;
}

for (const [flag, value, name] of [
  ['--epochs', '-1', '--epochs'],
  ['--epochs', '0', '--epochs'],
  ['--batch', '0', '--batch-size'],
  ['--img', '0', '--imgsz'],
  ['--workers', '-2', '--workers'],
] as const) {
  test(`${flag} ${value} is refused before any run folder is made`, async () => {
    const r = await runCli([...withFlag(flag, value), '--noplots'], base);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`^tsyolo: error: ${name} must be .*, got '${value}'`));
    assert.ok(!existsSync(project) || readdirSync(project).length === 0, 'no run folder');
  });
}

test("--cache takes 'ram' (also alone) or 'disk'; anything else is refused naming the flag", async () => {
  const r = await runCli([...baseArgs(data, project), '--cache', 'ssd', '--noplots'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /^tsyolo: error: --cache takes 'ram' or 'disk', got 'ssd'/);
});

test('--cache disk writes a .npy beside each training image and says so', async () => {
  const r = await runCli([...baseArgs(data, project), '--cache', 'disk', '--epochs', '1', '--noplots', '--noval', '--name', 'cachedisk'], base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /train: Caching images \(0\.0GB disk\)/);
  const images = join(base, 'digits', 'images', 'train');
  const jpgs = readdirSync(images).filter((f) => f.endsWith('.jpg'));
  assert.ok(jpgs.length > 0 && jpgs.every((f) => existsSync(join(images, f.replace(/\.jpg$/, '.npy')))), 'one .npy per image');
});

test('--img 31 is rounded up to a stride multiple (at least 2 strides) with YOLOv5’s warning', async () => {
  const r = await runCli([...withFlag('--img', '31'), '--epochs', '1', '--noplots', '--noval', '--name', 'img31'], base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /WARNING ⚠️ --img-size 31 must be multiple of max stride 32, updating to 64/);
  assert.match(r.stdout, /Image sizes 64 train, 64 val/);
});

for (const device of ['cuda:1', 'tpu', '0,1']) {
  test(`--device ${device} is refused with a clear message`, async () => {
    const r = await runCli([...withFlag('--device', device), '--epochs', '1'], base);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^tsyolo: error: (Invalid CUDA '--device .*' requested, use '--device cpu'|--device '.*' is not a device)/);
    assert.ok(r.stderr.trim().split('\n').length === 1, `one line, got: ${r.stderr}`);
  });
}

test('--weights of another architecture: YOLOv5’s "Transferred" line and a warning', async () => {
  const weights = join(REPO, 'test', 'fixtures', 'v7', 'yolov5n6-mini.pt');
  const r = await runCli([...withFlag('--weights', weights), '--epochs', '1', '--noplots', '--noval', '--name', 'transfer'], base);
  assert.equal(r.code, 0, r.stderr);
  const [, kept, total] = r.stdout.match(/Transferred (\d+)\/(\d+) items from .*yolov5n6-mini\.pt/) ?? [];
  assert.ok(total && Number(kept) < Number(total) / 2, r.stdout);
  assert.match(r.stdout, /WARNING ⚠️ (no weights match|only \d+ of \d+ weights match) between .*yolov5n6-mini\.pt and yolov5n-shufflenetv2\.yaml/);
});
