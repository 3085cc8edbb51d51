// Plugins from the command line (docs/plugins.md): `--plugin` files (.ts, .js, .mjs, .cjs) and a working directory's
// tsyolo.config.yaml register blocks before the command runs — in the CLI's thread, in every data-loader worker and
// in every DDP rank (the test plugins log "<pid> <threadId> <RANK>" each time they load). The documented MyCBAM
// example equals its PyTorch reference (block output, and YOLOv5 v7.0's printed summary of its YAML); trained, it
// validates and exports with the plugin. Bad plugins fail in one line naming the file and the flag, before any run
// folder exists.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDigits } from '../../src/data/digits.ts';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { SiLU } from '../../src/nn/activation.ts';
import { loadPlugins } from '../../src/plugins/load-plugins.ts';
import { fromHost, rand } from '../../src/tensor/create.ts';
import { manualSeed, noGrad } from '../../src/tensor/runtime.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { getModuleSpec } from '../../src/yolo/registry.ts';
import { freePort } from '../distributed/helpers/free-port.ts';
import { REPO, runCli } from '../train-cli/harness.ts';
import { relativeDiffHost } from '../yolo/v7-fixture.ts';

const EXAMPLE = join(REPO, 'examples', 'plugin-cbam');
const FIXTURES = join(REPO, 'test', 'fixtures', 'plugins');
const CBAM_TS = join(EXAMPLE, 'cbam.ts');
const LOGGED_CBAM_TS = join(FIXTURES, 'logged-cbam.ts');
const GATE_JS = join(FIXTURES, 'gate.js');
const IDENTITY_CJS = join(FIXTURES, 'identity.cjs');
const CBAM_YAML = join(FIXTURES, 'yolov5n-shufflenetv2-mycbam.yaml');
const GATE_YAML = join(FIXTURES, 'yolov5n-shufflenetv2-mygate.yaml');

let base = '';
let data = '';

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsyolo-plugins-'));
  // 8 train / 4 val scenes of 64 px: batch 4 is 2 batches per epoch, 2 images per rank under DDP.
  data = (await generateDigits({ out: join(base, 'digits'), train: 8, val: 4, img: 64, seed: 3, log: () => {} })).yamlPath;
});
after(() => rmSync(base, { recursive: true, force: true }));

function trainArgs(cfg: string, project: string, plugin: string): string[] {
  return ['train', '--data', data, '--cfg', cfg, '--img', '64', '--batch', '4', '--hyp', 'hyp.digits.yaml', '--epochs', '1', '--noplots', '--workers', '2', '--project', project, '--plugin', plugin];
}

/** Runs the CLI with PLUGIN_LOG set; returns the run and the log's lines as { pid, thread, rank }. */
async function runLogged(args: string[], log: string): Promise<{ code: number | null; stdout: string; stderr: string; loads: Array<{ pid: number; thread: number; rank: string }> }> {
  process.env.PLUGIN_LOG = log;
  try {
    const r = await runCli(args, base);
    const loads = existsSync(log)
      ? readFileSync(log, 'utf8').trim().split('\n').map((l) => {
          const [pid, thread, rank] = l.split(' ');
          return { pid: Number(pid), thread: Number(thread), rank: rank! };
        })
      : [];
    return { ...r, loads };
  } finally {
    delete process.env.PLUGIN_LOG;
  }
}

/** Per process: the threads that loaded the plugin (0 = the main thread, others = loader workers). */
function threadsByPid(loads: Array<{ pid: number; thread: number; rank: string }>): Map<number, { rank: string; threads: number[] }> {
  const out = new Map<number, { rank: string; threads: number[] }>();
  for (const l of loads) {
    const p = out.get(l.pid) ?? { rank: l.rank, threads: [] };
    p.threads.push(l.thread);
    out.set(l.pid, p);
  }
  return out;
}

test("info --plugin cbam.ts: the example YAML's summaries equal YOLOv5 v7.0's with the same CBAM (unfused and fused)", async () => {
  const reference = JSON.parse(readFileSync(join(FIXTURES, 'mycbam_summary.json'), 'utf8')) as { unfused: string; fused: string };
  const r = await runCli(['info', '--cfg', join(EXAMPLE, 'yolov5s-mycbam.yaml'), '--plugin', CBAM_TS, '--fuse'], base);
  assert.equal(r.code, 0, r.stderr);
  // 2·512·32 MLP weights + 2·7·7 spatial kernel weights.
  assert.match(r.stdout, / 10 {16}-1 {2}1 {5}32866 {2}MyCBAM {34}\[512, 16, 7\]/);
  const summaries = r.stdout.split('\n').filter((l) => l.includes(' summary: '));
  assert.deepEqual(summaries, [reference.unfused, reference.fused]);
});

test('docs/plugins.md shows examples/plugin-cbam/cbam.ts as it is', () => {
  const doc = readFileSync(join(REPO, 'docs', 'plugins.md'), 'utf8');
  assert.ok(doc.includes('```ts\n' + readFileSync(CBAM_TS, 'utf8') + '```\n'), 'the example in docs/plugins.md differs from examples/plugin-cbam/cbam.ts');
});

test('the example MyCBAM equals its PyTorch reference (state_dict keys, eval output ≤ 1e-5 relative)', async () => {
  await loadPlugins([CBAM_TS]);
  const m = getModuleSpec('MyCBAM')!.build([8, 2, 7], { act: new SiLU() });
  const keys = ['channel.mlp.0.weight', 'channel.mlp.2.weight', 'spatial.conv.weight'];
  assert.deepEqual([...m.stateDict().keys()], keys);
  m.loadStateDict(new Map(keys.map((k) => [k, fromHost(readNpyFile(join(FIXTURES, `mycbam_${k}.npy`)))])));
  m.eval();
  const y = noGrad(() => m.forward(fromHost(readNpyFile(join(FIXTURES, 'mycbam_input.npy')))) as Tensor);
  const d = relativeDiffHost(y.toFloat32Array(), readNpyFile(join(FIXTURES, 'mycbam_output.npy')).data as Float32Array);
  assert.ok(d <= 1e-5, `relative difference ${d}`);
  m.dispose();
});

test('a .ts plugin trains 1 epoch with 2 loader workers (each loads it); val, detect and export take it too, and the ONNX equals libtorch (opsets 12, 17)', async () => {
  const project = join(base, 'runs', 'ts');
  const log = join(base, 'ts-single.log');
  const r = await runLogged(trainArgs(CBAM_YAML, project, LOGGED_CBAM_TS), log);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const procs = threadsByPid(r.loads);
  assert.equal(procs.size, 1, JSON.stringify([...procs]));
  const [{ threads }] = [...procs.values()];
  assert.equal(threads[0], 0, 'the CLI thread loads it first');
  assert.ok(new Set(threads.filter((t) => t !== 0)).size >= 2, `loader workers loaded it: threads ${threads}`);
  const best = join(project, 'exp', 'weights', 'best.safetensors');
  assert.ok(existsSync(best));

  const without = await runCli(['val', '--weights', best, '--data', data, '--img', '64', '--workers', '0', '--project', join(base, 'runs', 'val')], base);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /unknown module 'MyCBAM'.*--plugin/);
  const v = await runCli(['val', '--weights', best, '--data', data, '--img', '64', '--workers', '0', '--json', '--plugin', CBAM_TS, '--project', join(base, 'runs', 'val')], base);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(JSON.parse(v.stdout).images, 4);

  const images = join(data, '..', 'images', 'val');
  const d = await runCli(['detect', '--weights', best, '--source', images, '--img', '64', '--project', join(base, 'runs', 'detect'), '--plugin', CBAM_TS], base);
  assert.equal(d.code, 0, d.stderr + d.stdout);
  assert.equal(readdirSync(join(base, 'runs', 'detect', 'exp')).filter((f) => f.endsWith('.png') || f.endsWith('.jpg')).length, 4);

  await loadPlugins([CBAM_TS]);
  const { model } = loadModel(best);
  model.eval();
  manualSeed(0);
  const x = rand([1, 3, 64, 64]);
  const expected = noGrad(() => model.forward(x) as Tensor).toFloat32Array();
  const onnxFile = best.replace(/\.safetensors$/, '.onnx');
  for (const opset of ['12', '17']) {
    const e = await runCli(['export', '--weights', best, '--img', '64', '--opset', opset, '--plugin', CBAM_TS], base);
    assert.equal(e.code, 0, e.stderr + e.stdout);
    const onnx = await OnnxModel.load(onnxFile, { threads: 1 });
    const got = await onnx.forward(x.toFloat32Array(), [1, 3, 64, 64]);
    const d = relativeDiffHost(got.data, expected);
    assert.ok(d <= 1e-4, `opset ${opset}: onnxruntime vs libtorch: relative difference ${d}`);
    await onnx.dispose();
  }
  model.dispose();
});

// [kind, the plugin trained with, its YAML, the plugin this process loads to read the checkpoint (the logged .ts
// plugin registers MyCBAM as cbam.ts does, so the two cannot both load here)]
for (const [kind, plugin, cfg, reader] of [
  ['.ts', LOGGED_CBAM_TS, CBAM_YAML, CBAM_TS],
  ['.js', GATE_JS, GATE_YAML, GATE_JS],
] as const) {
  test(`a ${kind} plugin trains 1 epoch on 2 DDP ranks with 2 loader workers each: the launcher, both ranks and their workers load it`, async () => {
    const project = join(base, 'runs', `ddp${kind}`);
    const log = join(base, `ddp${kind}.log`);
    const args = [...trainArgs(cfg, project, plugin), '--nproc-per-node', '2', '--master-port', String(await freePort()), '--ddp-timeout', '60'];
    const r = await runLogged(args, log);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /DDP: 2 ranks/);
    assert.deepEqual(readdirSync(project), ['exp']);
    const procs = threadsByPid(r.loads);
    assert.equal(procs.size, 3, `launcher + 2 ranks: ${JSON.stringify([...procs])}`);
    const byRank = new Map([...procs.values()].map((p) => [p.rank, p.threads]));
    assert.deepEqual(byRank.get('-'), [0], 'the launcher loads it in its main thread');
    for (const rank of ['0', '1']) {
      const threads = byRank.get(rank)!;
      assert.equal(threads[0], 0, `rank ${rank} loads it before training`);
      assert.ok(new Set(threads.filter((t) => t !== 0)).size >= 2, `rank ${rank}'s loader workers load it: threads ${threads}`);
    }
    await loadPlugins([reader]);
    loadModel(join(project, 'exp', 'weights', 'best.safetensors')).model.dispose();
  });
}

test('.mjs and .cjs plugins, --plugin repeated: modules lists their blocks; compare builds a YAML that uses one', async () => {
  const mjs = join(base, 'twice.mjs');
  writeFileSync(mjs, "export async function register(api) {\n  await Promise.resolve();\n  api.registerModule({ name: 'MyMjsIdentity', pythonType: 'MyMjsIdentity', argCount: [0, 0], channels: 'same', build: () => new api.nn.Identity() });\n}\n");
  const r = await runCli(['modules', '--json', '--plugin', IDENTITY_CJS, '--plugin', mjs, '--plugin', GATE_JS], base);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  for (const name of ['MyCjsIdentity', 'MyMjsIdentity', 'MyGate']) {
    const row = rows.find((x) => Object.values(x).includes(name));
    assert.ok(row, `${name} listed`);
    assert.ok(Object.values(row).includes('user'), JSON.stringify(row));
  }
  const c = await runCli(['compare', 'yolov5n-shufflenetv2.yaml', GATE_YAML, '--plugin', GATE_JS, '--project', join(base, 'runs', 'compare')], base);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /yolov5n-shufflenetv2-mygate\.yaml\s+\d+\s+\d+/);
});

test('tsyolo.config.yaml in the working directory: its plugins load for every model command (relative to it, once with --plugin too); bad settings name the file and key', async () => {
  const dir = join(base, 'project');
  mkdirSync(join(dir, 'blocks'), { recursive: true });
  writeFileSync(join(dir, 'blocks', 'gate.js'), readFileSync(GATE_JS));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const config = join(dir, 'tsyolo.config.yaml');
  writeFileSync(config, 'plugins:\n  - ./blocks/gate.js\n');
  const info = await runCli(['info', '--cfg', GATE_YAML, '--json'], dir);
  assert.equal(info.code, 0, info.stderr);
  // MyGate on SPPF's 256 channels: a 1×1 conv with bias, 256·256 + 256.
  const plain = await runCli(['info', '--cfg', GATE_YAML.replace('-mygate', '-mycbam'), '--json', '--plugin', CBAM_TS], base);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(JSON.parse(info.stdout).parameters - JSON.parse(plain.stdout).parameters, 256 * 256 + 256 - (2 * 256 * 16 + 2 * 49));
  const both = await runCli(['info', '--cfg', GATE_YAML, '--json', '--plugin', join(dir, 'blocks', 'gate.js')], dir);
  assert.equal(both.code, 0, `the same file from the config and --plugin loads once: ${both.stderr}`);

  writeFileSync(config, 'plugins:\n  - ./blocks/missing.ts\n');
  const missing = await runCli(['info', '--cfg', 'yolov5n.yaml'], dir);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), `tsyolo: error: ${config}: plugins: ./blocks/missing.ts: no such file (${join(dir, 'blocks', 'missing.ts')})`);
  writeFileSync(config, 'plugin: ./blocks/gate.js\n');
  const unknown = await runCli(['info', '--cfg', 'yolov5n.yaml'], dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, new RegExp(`${config}: 'plugin' is not a known key \\(known: plugins\\)`));
  writeFileSync(config, 'plugins: 3\n');
  const wrong = await runCli(['modules'], dir);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /'plugins' must be a list of plugin files/);
});

test('bad plugins fail in one line naming the file and --plugin, exit 1, and leave no run folder', async () => {
  const dir = join(base, 'bad');
  mkdirSync(dir);
  const files: Record<string, string> = {
    'syntax.ts': 'export function register(api: unknown {\n',
    'throws.mjs': "throw new Error('plugin init exploded');\n",
    'exports-nothing.mjs': 'export const x = 1;\n',
    'registers-nothing.mjs': 'export function register(api) {}\n',
    'register-throws.cjs': "exports.register = () => { throw new Error('no GPU here'); };\n",
    'replaces-c3.mjs': "export function register(api) { api.registerModule({ name: 'C3', pythonType: 'x', argCount: [0, 1], channels: 'same', build: () => new api.nn.Identity() }); }\n",
    'notes.txt': 'hello\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const cases: Array<[string, RegExp]> = [
    ['missing.ts', /--plugin missing\.ts: no such file \(.*bad\/missing\.ts\)$/],
    ['notes.txt', /--plugin notes\.txt: a plugin is a \.ts, \.mts, \.cts, \.js, \.mjs or \.cjs file, got '\.txt'$/],
    ['syntax.ts', /--plugin syntax\.ts: cannot be imported: [^]*syntax\.ts:1:\d+: ERROR/],
    ['throws.mjs', /--plugin throws\.mjs: cannot be imported: plugin init exploded$/],
    ['exports-nothing.mjs', /--plugin exports-nothing\.mjs: a plugin exports a function register\(api\) \(it exports x\)$/],
    ['registers-nothing.mjs', /--plugin registers-nothing\.mjs: register\(api\) registered no block or ONNX emitter/],
    ['register-throws.cjs', /--plugin register-throws\.cjs: register\(\) failed: no GPU here$/],
    ['replaces-c3.mjs', /--plugin replaces-c3\.mjs: register\(\) failed: registerModule: 'C3' is a built-in block \(models\.common\.C3\); pass \{ replace: true \}/],
  ];
  for (const [file, message] of cases) {
    const r = await runCli(['info', '--cfg', 'yolov5n.yaml', '--plugin', file], dir);
    assert.equal(r.code, 1, `${file}: ${r.stdout}`);
    assert.match(r.stderr.trim(), /^tsyolo: error: /);
    assert.match(r.stderr.trim(), message, file);
    if (file !== 'syntax.ts') assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  for (const extra of [[], ['--nproc-per-node', '2']]) {
    const project = join(dir, 'runs');
    const r = await runCli([...trainArgs('yolov5n-shufflenetv2.yaml', project, 'registers-nothing.mjs'), ...extra], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--plugin registers-nothing\.mjs: register\(api\) registered no block/);
    assert.ok(!existsSync(project), `train ${extra.join(' ')} made ${project}`);
  }
});
