// `tsyolo speed` (issue #28 item 6): the same model entered twice gets medians within 10 % (the rows are
// interleaved, so neither place in the list is favoured); the table, speed.csv and speed.json columns; --half and
// --source; and the errors, each naming the flag and the value, exit 1, no run folder left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/v7/yolov3-tiny-mini.pt', import.meta.url)); // 317 kB, 64 px
const base = mkdtempSync(join(tmpdir(), 'tsyolo-speed-'));
after(() => rmSync(base, { recursive: true, force: true }));
const weights = join(base, 'tiny.pt');
const fixedOnnx = join(base, 'tiny.onnx'); // exported at 64×64, batch 1
const dynamicOnnx = join(base, 'dyn', 'tiny.onnx');

const tsyolo = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: base });

before(() => {
  copyFileSync(fixture, weights);
  const fixed = tsyolo(['export', '--weights', weights, '--img', '64']);
  assert.equal(fixed.status, 0, fixed.stderr);
  mkdirSync(join(base, 'dyn'));
  copyFileSync(fixture, join(base, 'dyn', 'tiny.pt'));
  const dynamic = tsyolo(['export', '--weights', join(base, 'dyn', 'tiny.pt'), '--img', '64', '--dynamic']);
  assert.equal(dynamic.status, 0, dynamic.stderr);
  assert.ok(existsSync(fixedOnnx) && existsSync(dynamicOnnx));
});

function csvRows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const keys = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i]!, v])));
}

test('the same model entered twice, on libtorch and on onnxruntime: medians within 10 %', () => {
  const project = join(base, 'same');
  // Many short runs (a few layers at 32 px: well under a millisecond, so few are cut by another process even on a
  // busy machine), interleaved; the median stays with the unhurried ones. One thread: with more, such a short run
  // also times waking a pool thread, which differs by a few % between two sessions (docs/speed.md).
  const r = tsyolo(['speed', '--weights', weights, weights, dynamicOnnx, dynamicOnnx, '--img', '32', '--runs', '300', '--warmup', '20', '--threads', '1', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  const rows = csvRows(join(project, 'exp', 'speed.csv'));
  assert.equal(rows.length, 4);
  for (const [a, b] of [
    [rows[0]!, rows[1]!],
    [rows[2]!, rows[3]!],
  ]) {
    assert.equal(a.runtime, b.runtime);
    const [ma, mb] = [Number(a.median_ms), Number(b.median_ms)];
    assert.ok(ma > 0 && mb > 0);
    assert.ok(Math.abs(ma - mb) / Math.min(ma, mb) <= 0.1, `${a.runtime}: medians ${ma} and ${mb} ms differ by more than 10 %`);
  }
  assert.match(rows[0]!.runtime!, /^libtorch \d+\.\d+/);
  assert.match(rows[2]!.runtime!, /^onnxruntime-node \d+\.\d+/);
});

test('table, speed.csv and speed.json: one row per weights × batch with runtime, median, mean ± std, FPS and stages', () => {
  const project = join(base, 'table');
  const r = tsyolo(['speed', '--weights', weights, dynamicOnnx, '--batch', '1,4', '--img', '64', '--runs', '12', '--warmup', '2', '--threads', '1', '--json', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  // The settings are stated: runs, warm-up, interleaving, threads, input.
  assert.match(r.stdout, /12 timed runs after 2 warm-up runs per row, rows interleaved round-robin/);
  assert.match(r.stdout, /1 intra-op thread \(torch\.get_num_threads\(\); onnxruntime sessions get the same\)/);
  assert.match(r.stdout, /input: synthetic \(uniform noise pixels, fixed seed\)/);
  const head = lines.find((l) => l.startsWith('weights'))!;
  assert.deepEqual(head.split(/\s{2,}/), ['weights', 'runtime', 'batch', 'shape', 'median ms', 'mean ± std ms', 'FPS', 'pre ms', 'inf ms', 'NMS ms']);
  const tableRows = lines.filter((l) => l.startsWith(weights) || l.startsWith(dynamicOnnx)).filter((l) => !l.includes('Speed:'));
  assert.equal(tableRows.length, 4);
  assert.match(tableRows[0]!, /libtorch \S+ cpu fp32\s+1\s+64×64\s+\d+\.\d+\s+\d+\.\d+ ± \d+\.\d+\s+\d+\.\d\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\d+$/);
  assert.match(tableRows[3]!, /onnxruntime-node \S+ cpu fp32\s+4\s+64×64\s/);
  // val.py's line per row.
  assert.match(r.stdout, /tiny\.pt \(libtorch [^,]+, batch 4\): Speed: \d+\.\dms pre-process, \d+\.\dms inference, \d+\.\dms NMS per image at shape \(4, 3, 64, 64\)/);

  const rows = csvRows(join(project, 'exp', 'speed.csv'));
  assert.deepEqual(Object.keys(rows[0]!), ['weights', 'runtime', 'device', 'precision', 'threads', 'batch', 'height', 'width', 'warmup', 'runs', 'median_ms', 'mean_ms', 'std_ms', 'fps', 'preprocess_ms', 'inference_ms', 'nms_ms']);
  assert.deepEqual(
    rows.map((x) => [x.weights, x.batch, x.precision, x.threads, x.height, x.width, x.runs, x.warmup]),
    [
      [weights, '1', 'fp32', '1', '64', '64', '12', '2'],
      [weights, '4', 'fp32', '1', '64', '64', '12', '2'],
      [dynamicOnnx, '1', 'fp32', '1', '64', '64', '12', '2'],
      [dynamicOnnx, '4', 'fp32', '1', '64', '64', '12', '2'],
    ],
  );
  assert.deepEqual(
    rows.map((x) => x.device),
    ['cpu', 'cpu', 'cpu (CPUExecutionProvider)', 'cpu (CPUExecutionProvider)'],
  );
  for (const x of rows) {
    const [median, mean, std, fps, pre, inf, nms] = [x.median_ms, x.mean_ms, x.std_ms, x.fps, x.preprocess_ms, x.inference_ms, x.nms_ms].map(Number) as number[];
    const batch = Number(x.batch);
    assert.ok(Math.abs(fps! - (batch * 1000) / median!) <= 0.01 * fps!, `FPS ${fps} = batch·1000/median ${median}`);
    assert.ok(mean! > 0 && std! >= 0 && pre! >= 0 && inf! > 0 && nms! >= 0);
    // Stages are per image, the median per batch: their sum times the batch is near the median.
    const stages = (pre! + inf! + nms!) * batch;
    assert.ok(stages > 0.5 * median! && stages < 1.5 * median!, `stages ${stages} vs median ${median}`);
  }
  const json = JSON.parse(readFileSync(join(project, 'exp', 'speed.json'), 'utf8')) as { settings: { runs: number; threads: number }; rows: { samplesMs: number[]; medianMs: number; batch: number; shape: number[] }[] };
  assert.equal(json.settings.runs, 12);
  assert.equal(json.settings.threads, 1);
  assert.equal(json.rows.length, 4);
  assert.deepEqual(json.rows[1]!.shape, [4, 3, 64, 64]);
  for (const row of json.rows) assert.equal(row.samplesMs.length, 12);
});

test('--half: bf16 on libtorch (CPU), and onnxruntime-node says it stays fp32', () => {
  const project = join(base, 'half');
  const r = tsyolo(['speed', '--weights', weights, fixedOnnx, '--half', '--runs', '3', '--warmup', '1', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WARNING ⚠️ .*tiny\.onnx: --half is not available on onnxruntime-node's CPU execution provider: timed in fp32/);
  const rows = csvRows(join(project, 'exp', 'speed.csv'));
  assert.deepEqual(
    rows.map((x) => x.precision),
    ['bf16', 'fp32'],
  );
  // Without --img: the libtorch model at 640, the fixed-size export at its own 64×64.
  assert.deepEqual(
    rows.map((x) => `${x.height}x${x.width}`),
    ['640x640', '64x64'],
  );
});

test('--source: the images, letterboxed to the input size, instead of synthetic pixels', async () => {
  const { generateDigits } = await import('../../src/data/digits.ts');
  const { yamlPath } = await generateDigits({ out: join(base, 'digits'), train: 2, val: 2, img: 80, seed: 3 });
  assert.ok(existsSync(yamlPath));
  const project = join(base, 'source');
  const r = tsyolo(['speed', '--weights', weights, '--source', join(base, 'digits', 'images', 'val'), '--img', '64', '--batch', '3', '--runs', '3', '--warmup', '1', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /input: 2 source images letterboxed to 64×64, repeated to fill the batch/);
  assert.equal(csvRows(join(project, 'exp', 'speed.csv'))[0]!.batch, '3');
});

test('errors name the flag and the value, exit 1 and leave no run folder', async () => {
  const { main } = await import('../../src/cli/main.ts');
  const project = join(base, 'errors');
  const cases: [string[], RegExp][] = [
    [['--weights', join(base, 'missing.pt')], /--weights .*missing\.pt: no such file/],
    [['--weights', join(base, 'model.bin')], /--weights .*model\.bin: not a weights file tsyolo reads \(\.pt, \.safetensors, \.onnx, or a model YAML\)/],
    [['--weights', weights, '--batch', '1,x'], /--batch '1,x': 'x' is not a positive integer batch size/],
    [['--weights', weights, '--batch', '0'], /--batch '0': '0' is not a positive integer batch size/],
    [['--weights', fixedOnnx, '--img', '96'], /--img 96: .*tiny\.onnx has a fixed input of 64x64; .*export with --img 96 or --dynamic/],
    [['--weights', fixedOnnx, '--batch', '2'], /--batch 2: .*tiny\.onnx was exported for batch 1 only; export with --batch 2 or --dynamic/],
    [['--weights', dynamicOnnx, '--device', '0'], /--device 0: .*tiny\.onnx is an ONNX model, which runs on onnxruntime-node's CPU execution provider/],
    [['--weights', weights, '--source', join(base, 'nowhere')], /--source .*nowhere: .*does not exist/],
    [['--weights', weights, '--runs', '0'], /--runs must be a positive integer, got '0'/],
  ];
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (s: unknown) => void errors.push(String(s));
  try {
    for (const [args, message] of cases) {
      errors.length = 0;
      const runs = args.includes('--runs') ? [] : ['--runs', '2'];
      const status = await main(['speed', ...args, ...runs, '--project', project], () => {});
      assert.equal(status, 1, `${args.join(' ')}: ${errors.join('\n')}`);
      assert.match(errors.join('\n'), message);
      assert.match(errors.join('\n'), /^tsyolo: error: /);
    }
  } finally {
    console.error = consoleError;
  }
  assert.equal(existsSync(project), false, 'no run folder for a run that failed');
  const help = tsyolo(['speed', '--help']);
  assert.equal(help.status, 0);
  for (const f of ['--weights', '--batch', '--runs', '--warmup', '--img', '--device', '--half', '--threads', '--source', '--json', '--plugin']) assert.ok(help.stdout.includes(f), f);
});

test('--plugin: a model YAML naming a plugin block is timed once the plugin is loaded', () => {
  const plugins = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
  const yaml = join(plugins, 'yolov5n-shufflenetv2-mygate.yaml');
  const project = join(base, 'plugin');
  const without = tsyolo(['speed', '--weights', yaml, '--img', '64', '--runs', '2', '--warmup', '0', '--project', project]);
  assert.equal(without.status, 1);
  const r = tsyolo(['speed', '--weights', yaml, '--plugin', join(plugins, 'gate.js'), '--img', '64', '--runs', '2', '--warmup', '0', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(csvRows(join(project, 'exp', 'speed.csv'))[0]!.weights, yaml);
});
