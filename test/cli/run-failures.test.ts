// Issue #24 items 2, 4 and 5 through the CLI: a command that processed none of its inputs exits 1 naming why; a
// truncated video warns with the frame reached; failed runs leave no run folder (but never remove one that existed);
// a fixed-size ONNX model says which size runs; `compare` names an ONNX entry instead of printing its bytes;
// commander's own errors carry the `tsyolo: error:` prefix; a skip warning names the path once; --sync-bn's help.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../bin/tsyolo.js');
const weights = here('../fixtures/digits-n-shufflenetv2.safetensors'); // nc 10, the digit classes
const fixedOnnx = here('../../web/sample-model.onnx'); // the demo's digits detector, fixed 320×320 input
const work = mkdtempSync(join(tmpdir(), 'tsyolo-run-failures-'));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work });
after(() => rmSync(work, { recursive: true, force: true }));

let digits = ''; // data.yaml of 8 train / 4 val digit scenes at 64 px
const images = join(work, 'images');
const corrupt = join(work, 'corrupt');
before(async () => {
  digits = (await generateDigits({ out: join(work, 'digits'), train: 8, val: 4, img: 64, seed: 4 })).yamlPath;
  mkdirSync(images);
  for (const f of readdirSync(join(work, 'digits', 'images', 'val')).slice(0, 2)) copyFileSync(join(work, 'digits', 'images', 'val', f), join(images, f));
  mkdirSync(corrupt);
  writeFileSync(join(corrupt, 'a.jpg'), 'not a jpeg');
  const jpeg = readdirSync(images)[0]!;
  writeFileSync(join(corrupt, 'b.jpg'), readFileSync(join(images, jpeg)).subarray(0, 300)); // a JPEG cut after 300 bytes
  writeFileSync(join(corrupt, 'c.jpg'), '');
});

/** Every error line is one `tsyolo: error: …` line: no stack trace. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^tsyolo: error: /);
  return lines[0]!;
}

test('detect on a folder whose every image is corrupt: exit 1 naming why, each skip names its file once, no run folder', () => {
  const project = join(work, 'runs-corrupt');
  const r = run('detect', '--weights', weights, '--source', corrupt, '--img', '64', '--project', project);
  assert.equal(r.status, 1, r.stdout);
  assert.equal(oneErrorLine(r.stderr), `tsyolo: error: nothing in '${corrupt}' was processed: none of its 3 images could be read (see the warnings above)`);
  const skips = r.stdout.split('\n').filter((l) => l.startsWith('WARNING ⚠️ skipping '));
  assert.equal(skips.length, 3, r.stdout);
  for (const [line, name] of skips.map((l, k) => [l, ['a.jpg', 'b.jpg', 'c.jpg'][k]!] as const)) {
    assert.ok(line.startsWith(`WARNING ⚠️ skipping ${join(corrupt, name)}: `), line);
    assert.equal(line.split(name).length - 1, 1, `the path once: ${line}`);
  }
  assert.match(skips[1]!, /: cannot decode image: .*premature end of JPEG/);
  assert.match(skips[2]!, /: empty file \(0 bytes\)$/);
  assert.doesNotMatch(r.stdout, /Speed: /);
  assert.ok(!existsSync(project), 'no runs folder: the run made it and wrote nothing');
});

test('detect: one readable image among corrupt ones runs (exit 0) and writes it', () => {
  const mixed = join(work, 'mixed');
  mkdirSync(mixed);
  copyFileSync(join(corrupt, 'a.jpg'), join(mixed, 'a.jpg'));
  const good = readdirSync(images)[0]!;
  copyFileSync(join(images, good), join(mixed, good));
  const r = run('detect', '--weights', weights, '--source', mixed, '--img', '64', '--project', join(work, 'runs-mixed'));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(join(work, 'runs-mixed', 'exp')), [good]);
});

test('detect on an mp4 cut mid-stream: a warning with the frame reached and the frames expected', () => {
  const full = join(work, 'full.mp4');
  // moov first (+faststart), so the cut file still says 30 frames and ffmpeg decodes up to the cut, exiting 0.
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '30', '-c:v', 'mpeg4', '-q:v', '2', '-movflags', '+faststart', full]);
  const cut = join(work, 'cut.mp4');
  writeFileSync(cut, readFileSync(full).subarray(0, Math.floor(statSync(full).size / 2)));
  const r = run('detect', '--weights', weights, '--source', cut, '--img', '64', '--project', join(work, 'runs-video'));
  assert.equal(r.status, 0, r.stderr);
  const progress = r.stdout.split('\n').filter((l) => /^video 1\/1 \(\d+\/30\) /.test(l));
  const reached = progress.length;
  assert.ok(reached > 0 && reached < 30, `frames read: ${reached}`);
  assert.match(r.stdout, new RegExp(`^video 1/1 \\(${reached}/30\\) `, 'm'));
  assert.ok(r.stdout.includes(`WARNING ⚠️ ${cut}: the video ended at frame ${reached} of the 30 expected (truncated or damaged?)`), r.stdout);
  assert.deepEqual(readdirSync(join(work, 'runs-video', 'exp')), ['cut.mp4']);
  // The whole file: no warning.
  const whole = run('detect', '--weights', weights, '--source', full, '--img', '64', '--nosave');
  assert.equal(whole.status, 0, whole.stderr);
  assert.match(whole.stdout, /^video 1\/1 \(30\/30\) /m);
  assert.doesNotMatch(whole.stdout, /ended at frame/);
  // A stride longer than the video keeps no frame (YOLOv5's grab loop too): a warning, then exit 1 — no empty .mp4.
  const project = join(work, 'runs-stride');
  const stride = run('detect', '--weights', weights, '--source', full, '--img', '64', '--vid-stride', '31', '--project', project);
  assert.equal(stride.status, 1, stride.stdout);
  assert.ok(stride.stdout.includes(`WARNING ⚠️ ${full}: no frame processed: --vid-stride 31 keeps none of its 30 frames`), stride.stdout);
  assert.equal(oneErrorLine(stride.stderr), `tsyolo: error: nothing in '${full}' was processed: its video gave no frame (see the warnings above)`);
  assert.ok(!existsSync(project));
});

test('detect --nosave alone writes nothing, so it leaves no run folder; its detections are the log', () => {
  const project = join(work, 'runs-nosave');
  const r = run('detect', '--weights', weights, '--source', images, '--img', '64', '--nosave', '--project', project);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => /^image \d\/2 /.test(l)).length, 2);
  assert.ok(!existsSync(project));
});

test('detect with a fixed-size ONNX model: --img that differs gets one line saying which size runs', () => {
  const r = run('detect', '--weights', fixedOnnx, '--source', images, '--img', '96', '--nosave');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.includes('--img'));
  assert.deepEqual(lines, ["WARNING ⚠️ --img 96 is not used: the model's input is fixed at 320x320, so detect runs at that size (export with --img 96 or --dynamic for another)"]);
  assert.match(r.stdout, /per image at shape \(1, 3, 320, 320\)/);
  for (const args of [[], ['--img', '320']]) {
    const quiet = run('detect', '--weights', fixedOnnx, '--source', images, '--nosave', ...args);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /is not used/, `no warning with ${args.join(' ') || 'no --img'}`);
  }
});

test('compare: a missing YAML or an ONNX entry fails naming the file, with no run folder left', () => {
  const project = join(work, 'runs-compare');
  const missing = run('compare', 'yolov5n.yaml', join(work, 'missing.yaml'), '--project', project);
  assert.equal(missing.status, 1);
  assert.match(oneErrorLine(missing.stderr), /missing\.yaml' not found/);
  assert.ok(!existsSync(project), 'runs/compare/exp and runs/compare are gone');
  const onnx = run('compare', 'yolov5n.yaml', fixedOnnx, '--project', project);
  assert.equal(onnx.status, 1);
  assert.equal(oneErrorLine(onnx.stderr), `tsyolo: error: ${fixedOnnx}: an ONNX export, which holds no model to rebuild; give a model YAML or the checkpoint (.pt, .safetensors) it was exported from`);
  assert.ok(!existsSync(project));
  // An earlier comparison's folder stays when a later one fails.
  mkdirSync(join(project, 'exp'), { recursive: true });
  writeFileSync(join(project, 'exp', 'compare.md'), 'earlier\n');
  assert.equal(run('compare', 'missing.yaml', '--project', project).status, 1);
  assert.deepEqual(readdirSync(project), ['exp']);
});

test('a binary file where a YAML is expected is named as such, not quoted', () => {
  const r = run('val', '--weights', weights, '--data', fixedOnnx);
  assert.equal(r.status, 1);
  assert.equal(oneErrorLine(r.stderr), `tsyolo: error: ${fixedOnnx}: not a YAML file (binary content)`);
});

test('val whose split has only corrupt images, or a missing val folder: exit 1, no run folder', () => {
  const bad = join(work, 'bad-val');
  mkdirSync(join(bad, 'images', 'val'), { recursive: true });
  mkdirSync(join(bad, 'labels', 'val'), { recursive: true });
  for (const k of [1, 2]) {
    writeFileSync(join(bad, 'images', 'val', `${k}.jpg`), 'junk');
    writeFileSync(join(bad, 'labels', 'val', `${k}.txt`), '0 0.5 0.5 0.2 0.2\n');
  }
  const names = `names: [${Array.from({ length: 10 }, (_, k) => `'${k}'`).join(', ')}]\nnc: 10\n`;
  writeFileSync(join(bad, 'data.yaml'), `path: ${bad}\ntrain: images/val\nval: images/val\n${names}`);
  writeFileSync(join(bad, 'nowhere.yaml'), `path: ${bad}\ntrain: images/val\nval: images/none\n${names}`);
  for (const [yaml, why] of [
    ['data.yaml', /all 2 are corrupt/],
    ['nowhere.yaml', /images\/none does not exist/],
  ] as const) {
    const project = join(work, `runs-val-${yaml}`);
    const r = run('val', '--weights', weights, '--data', join(bad, yaml), '--img', '64', '--workers', '0', '--project', project);
    assert.equal(r.status, 1, r.stdout);
    assert.match(oneErrorLine(r.stderr), why);
    assert.ok(!existsSync(project), `${yaml}: no run folder`);
  }
});

test('train failing in set-up removes the folder it made, and never a folder that existed before (--exist-ok)', () => {
  const bad = join(work, 'bad-labels');
  execFileSync('cp', ['-r', join(work, 'digits'), bad]);
  rmSync(join(bad, 'labels', 'train.cache'), { force: true });
  writeFileSync(join(bad, 'data.yaml'), readFileSync(digits, 'utf8').replace(/^path: .*$/m, `path: ${bad}`));
  const label = join(bad, 'labels', 'train', readdirSync(join(bad, 'labels', 'train')).find((f) => f.endsWith('.txt'))!);
  writeFileSync(label, `${readFileSync(label, 'utf8')}12 0.5 0.5 0.1 0.1\n`);
  const args = ['train', '--data', join(bad, 'data.yaml'), '--cfg', 'yolov5n.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--noplots'];
  const project = join(work, 'runs-train');
  const fresh = run(...args, '--project', project);
  assert.equal(fresh.status, 1, fresh.stdout);
  assert.match(oneErrorLine(fresh.stderr), /Label class 12 exceeds nc=10/);
  assert.ok(!existsSync(project), 'no hyp.yaml, opt.yaml, empty weights/ left behind');
  // The same failure in a folder that was there before: its files stay (hyp.yaml and opt.yaml are rewritten).
  const old = join(work, 'runs-old', 'exp');
  mkdirSync(join(old, 'weights'), { recursive: true });
  writeFileSync(join(old, 'hyp.yaml'), 'lr0: 0.01\n');
  writeFileSync(join(old, 'notes.txt'), 'mine\n');
  const reused = run(...args, '--project', join(work, 'runs-old'), '--exist-ok');
  assert.equal(reused.status, 1, reused.stdout);
  assert.deepEqual(readdirSync(old).sort(), ['hyp.yaml', 'notes.txt', 'opt.yaml', 'weights']);
  assert.equal(readFileSync(join(old, 'notes.txt'), 'utf8'), 'mine\n');
});

test("commander's errors carry the tsyolo: error: prefix", () => {
  for (const [args, line] of [
    [['info', '--nc'], "tsyolo: error: option '--nc <n>' argument missing"],
    [['compare', 'yolov5n.yaml', '--bogus'], "tsyolo: error: unknown option '--bogus'"],
    [['frob'], "tsyolo: error: unknown command 'frob'"],
    [['detect', '--source', 'x'], "tsyolo: error: required option '--weights <files...>' not specified"],
  ] as const) {
    const r = run(...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stderr.trim(), line);
  }
});

test('data digits: --train 0 --val 0 is refused, a negative count names its flag', () => {
  const zero = run('data', 'digits', '--out', join(work, 'none'), '--train', '0', '--val', '0');
  assert.equal(zero.status, 1);
  assert.equal(zero.stderr.trim(), 'tsyolo: error: --train 0 and --val 0: no scenes to write');
  const negative = run('data', 'digits', '--out', join(work, 'none'), '--train', '-3');
  assert.equal(negative.stderr.trim(), "tsyolo: error: --train must be an integer ≥ 0, got '-3'");
  assert.ok(!existsSync(join(work, 'none')));
});

test('train --help: --sync-bn is not "CUDA only" (it runs over Gloo on the CPU)', () => {
  const r = run('train', '--help');
  assert.equal(r.status, 0);
  const help = r.stdout.slice(r.stdout.indexOf('--sync-bn')).split(/\n\s*--/)[0]!.replace(/\s+/g, ' ');
  assert.doesNotMatch(help, /CUDA only,|\(CUDA only/);
  assert.match(help, /also on the CPU/);
});

test('found by the fuzz pass: a model YAML whose activation is not text names the file and key (was "text.trim is not a function")', () => {
  const yaml = join(work, 'act.yaml');
  const shipped = readFileSync(here('../../configs/models/yolov5n.yaml'), 'utf8');
  writeFileSync(yaml, `${shipped}\nactivation: 5\n`);
  const r = run('info', '--cfg', yaml);
  assert.equal(r.status, 1);
  assert.equal(oneErrorLine(r.stderr), `tsyolo: error: ${yaml}: 'activation' must be a string, got 5`);
  writeFileSync(yaml, `${shipped}\nactivation: nn.Nope()\n`);
  assert.equal(oneErrorLine(run('info', '--cfg', yaml).stderr), `tsyolo: error: ${yaml}: activation 'nn.Nope()' is not supported (use nn.SiLU(), nn.ReLU(), nn.LeakyReLU(0.1) or nn.Hardswish())`);
});

test('missing weights: the file is named once, the reason in words', () => {
  for (const [name, line] of [
    ['gone.pt', 'cannot read checkpoint PATH: file not found (ENOENT)'],
    ['gone.safetensors', 'cannot read safetensors file PATH: file not found (ENOENT)'],
    ['gone.onnx', "cannot read ONNX model 'PATH': file not found (ENOENT)"],
  ] as const) {
    const path = join(work, name);
    const r = run('detect', '--weights', path, '--source', images);
    assert.equal(r.status, 1);
    assert.equal(oneErrorLine(r.stderr), `tsyolo: error: ${line.replace('PATH', path)}`);
  }
});
