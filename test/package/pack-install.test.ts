// The package as a user gets it: `npm pack` once, then `npm ci --offline` of the tarball into a fresh project once
// (npm's cache only; the project's lockfile pins the versions this repository installs, see consumer-lockfile.ts),
// then what users do with it: ESM and CommonJS imports, the CLI through npx, a strict TypeScript file against the
// shipped types, and tsyolo/onnx detecting with tsyolo's addon removed. The install step builds the addon (libtorch
// is present wherever these tests run), which is most of this file's cost.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import { LIBTORCH_HINT } from '../../scripts/find-libtorch.mjs';
import { freePort } from '../distributed/helpers/free-port.ts';
import { consumerLockfile } from './consumer-lockfile.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const repoPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-package-'));
const app = join(work, 'app');
const installed = join(app, 'node_modules', 'tsyolo');
const MAX_TARBALL_BYTES = 5 * 1024 * 1024;

interface Packed {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}
let packed: Packed;
let installLog = '';

// A user's environment: none of the npm settings that `npm test` passes down (the repository's .npmrc skips
// onnxruntime-node's download through one of them), nor onnxruntime-node's own install flags.
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|ONNXRUNTIME_NODE_INSTALL)/i.test(k)));

function run(cmd: string, args: string[], cwd = app): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: userEnv });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(cmd: string, args: string[], cwd = app): string {
  const r = run(cmd, args, cwd);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

const node = (args: string[]) => ok(process.execPath, args);
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));

before(() => {
  const out = ok('npm', ['pack', '--json', '--pack-destination', work], repo);
  // `npm pack` runs the build (prepack), whose progress line precedes npm's JSON.
  packed = (JSON.parse(out.slice(out.indexOf('[\n'))) as Packed[])[0]!;
  mkdirSync(app);
  const tarball = join(app, packed.filename);
  copyFileSync(join(work, packed.filename), tarball);
  const spec = `file:${packed.filename}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { tsyolo: spec } }, null, 2));
  const registry = ok('npm', ['config', 'get', 'registry']).trim();
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(consumerLockfile(join(repo, 'package-lock.json'), repoPkg, tarball, spec, registry), null, 2));
  installLog = ok('npm', ['ci', '--offline', '--foreground-scripts', '--no-audit', '--no-fund']);
});

after(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds the compiled package only, within 5 MB; tsx is a runtime dependency (TypeScript plugins), mnist is not', () => {
  assert.ok(packed.size <= MAX_TARBALL_BYTES, `tarball ${packed.size} bytes`);
  const paths = packed.files.map((f) => f.path);
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/onnx.js', 'dist/web.js', 'bin/tsyolo.js', 'scripts/install.mjs', 'native/src/addon.cc', 'configs/models/yolov5s.yaml']) {
    assert.ok(paths.includes(f), `${f} missing from the tarball`);
  }
  for (const p of paths) assert.ok(!/^(src|test|bench|web|\.ci)\//.test(p), `${p} should not ship`);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const deps of [pkg.dependencies, pkg.optionalDependencies]) assert.ok(!('mnist' in deps), JSON.stringify(deps));
  assert.ok('tsx' in pkg.dependencies, 'tsx loads .ts plugins (docs/plugins.md)');
});

test("the offline install built the addon, and onnxruntime-node's CUDA download was skipped", () => {
  assert.match(installLog, /building the native addon/);
  assert.ok(existsSync(join(installed, 'native', 'build', 'Release', 'tsyolo_native.node')));
  const ortBin = join(app, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
  assert.ok(existsSync(join(ortBin, 'onnxruntime_binding.node')), 'onnxruntime-node was not installed');
  // Only linux/x64 has libraries that onnxruntime-node's postinstall downloads.
  const cudaEp = join(ortBin, 'libonnxruntime_providers_cuda.so');
  assert.equal(existsSync(cudaEp), process.platform === 'linux' && process.arch === 'x64');
  if (existsSync(cudaEp)) assert.match(readFileSync(cudaEp, 'utf8'), /^Placeholder written by tsyolo's install step/);
});

test('plain ESM and CommonJS load the package and its Node entries', () => {
  const esm = node(['--input-type=module', '-e', `
    import { tensor, loadModel, loadDetector } from 'tsyolo';
    import { loadDetector as onnxDetector, OnnxModel } from 'tsyolo/onnx';
    const t = tensor([1, 2, 3.5]);
    console.log(JSON.stringify([t.sum().item(), typeof loadModel, typeof loadDetector, typeof onnxDetector, typeof OnnxModel.load]));`]);
  assert.deepEqual(JSON.parse(esm), [6.5, 'function', 'function', 'function', 'function']);
  const cjs = node(['-e', `
    const { tensor, loadModel } = require('tsyolo');
    const { loadDetector } = require('tsyolo/onnx');
    console.log(JSON.stringify([tensor([2, 3]).mul(2).sum().item(), typeof loadModel, typeof loadDetector]));`]);
  assert.deepEqual(JSON.parse(cjs), [10, 'function', 'function']);
});

/** Every module specifier reachable from `entry` through relative imports of the installed dist/. */
function importClosure(entry: string): { files: string[]; bare: string[] } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)(['"])([^'"]+)\1/g)) {
      const spec = m[2]!;
      if (spec.startsWith('.')) visit(join(file, '..', spec));
      else bare.add(spec);
    }
  };
  visit(join(installed, 'dist', entry));
  return { files: [...files].map((f) => f.slice(installed.length + 1)), bare: [...bare].sort() };
}

test('tsyolo/onnx reaches no libtorch code; tsyolo/web reaches nothing of Node', () => {
  const onnx = importClosure('onnx.js');
  assert.ok(onnx.bare.includes('onnxruntime-node'), onnx.bare.join(' '));
  for (const f of onnx.files) assert.ok(!/^dist\/(native|tensor|nn)\//.test(f), `tsyolo/onnx imports ${f}`);
  const web = importClosure('web.js');
  assert.deepEqual(web.bare.filter((s) => s.startsWith('node:') || ['sharp', 'onnxruntime-node', '@napi-rs/canvas'].includes(s)), []);
  for (const f of web.files) assert.ok(!/^dist\/(native|tensor|nn)\//.test(f), `tsyolo/web imports ${f}`);
});

test('npx tsyolo --version and info --json', () => {
  assert.equal(ok('npx', ['--no-install', 'tsyolo', '--version']).trim(), repoPkg.version);
  const info = JSON.parse(ok('npx', ['--no-install', 'tsyolo', 'info', '--cfg', 'yolov5n.yaml', '--json']));
  // YOLOv5 v7.0: "YOLOv5n summary: 214 layers, 1872157 parameters, 1872157 gradients, 4.6 GFLOPs"
  assert.deepEqual([info.layers, info.parameters, info.gradients], [214, 1872157, 1872157]);
});

test('a strict TypeScript project type-checks against the shipped types; a planted type error is rejected', () => {
  const ts = join(app, 'ts');
  mkdirSync(ts);
  const tsconfig = (files: string[]) => ({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')] },
    files,
  });
  writeFileSync(join(ts, 'use.mts'), `
import { loadModel, loadDetector, tensor, type Tensor } from 'tsyolo';
import { loadDetector as onnxDetector, type Detection } from 'tsyolo/onnx';
const t: Tensor = tensor([1, 2, 3]);
const total: number = t.sum().item();
const { model } = loadModel('yolov5n.yaml');
const strides: number[] = model.stride;
export async function run(file: string): Promise<Detection[]> {
  const det = await onnxDetector(file, { imgsz: 320, conf: 0.25 });
  const found: Detection[] = await det.detect({ data: new Uint8Array(12), width: 2, height: 2 });
  const first: { x1: number; y1: number; x2: number; y2: number } | undefined = found[0]?.box;
  return first ? found : (await loadDetector(file)).detect(Buffer.alloc(0));
}
export { total, strides };
`);
  writeFileSync(join(ts, 'use.cts'), `
import tsyolo = require('tsyolo');
import onnx = require('tsyolo/onnx');
export const n: number = tsyolo.tensor([1]).numel;
export const load: typeof onnx.loadDetector = onnx.loadDetector;
`);
  writeFileSync(join(ts, 'planted.mts'), `
import { tensor } from 'tsyolo';
export const wrong: string = tensor([1]).sum().item();
`);
  // docs/plugins.md's example plugin, as a user's project holds it.
  copyFileSync(join(repo, 'examples', 'plugin-cbam', 'cbam.ts'), join(ts, 'cbam.ts'));
  // One run (tsc is slow): the planted error must be the only one, so the rest (and the shipped .d.ts) is clean.
  writeFileSync(join(ts, 'tsconfig.json'), JSON.stringify(tsconfig(['use.mts', 'use.cts', 'cbam.ts', 'planted.mts'])));
  const r = run(process.execPath, [tsc, '-p', 'tsconfig.json'], ts);
  assert.notEqual(r.status, 0);
  assert.deepEqual(r.stdout.trim().split('\n'), ["planted.mts(3,14): error TS2322: Type 'number' is not assignable to type 'string'."]);
});

test('a .ts plugin from the installed package (tsx from its dependencies): info, and 1 epoch on 2 DDP ranks with 2 loader workers each, all loading it', async () => {
  const dir = join(app, 'plugin');
  mkdirSync(dir);
  copyFileSync(join(repo, 'examples', 'plugin-cbam', 'cbam.ts'), join(dir, 'cbam.ts'));
  copyFileSync(join(repo, 'test', 'fixtures', 'plugins', 'yolov5n-shufflenetv2-mycbam.yaml'), join(dir, 'model.yaml'));
  const log = join(dir, 'loads.log');
  // A plugin importing another .ts file of its own, logging each load: "<pid> <threadId> <RANK or ->".
  writeFileSync(join(dir, 'logged.ts'), `
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { PluginApi } from 'tsyolo';
import { register as registerCbam } from './cbam.ts';
export function register(api: PluginApi): void {
  appendFileSync(${JSON.stringify(log)}, \`\${process.pid} \${threadId} \${process.env.RANK ?? '-'}\\n\`);
  registerCbam(api);
}
`);
  const info = JSON.parse(ok('npx', ['--no-install', 'tsyolo', 'info', '--cfg', 'plugin/model.yaml', '--plugin', 'plugin/cbam.ts', '--json']));
  // The same model without the row at 10 classes: MyCBAM on SPPF's 256 channels adds 2·256·16 + 2·7·7 parameters.
  // (--nc logs YOLOv5's "Overriding model.yaml nc=80 with nc=10" line before the JSON.)
  const plain = JSON.parse(ok('npx', ['--no-install', 'tsyolo', 'info', '--cfg', 'yolov5n-shufflenetv2.yaml', '--nc', '10', '--json']).trim().split('\n').at(-1)!);
  assert.equal(info.parameters - plain.parameters, 2 * 256 * 16 + 2 * 49);
  const data = await generateDigits({ out: join(work, 'plugin-digits'), train: 8, val: 4, img: 64, seed: 3, log: () => {} });
  const port = String(await freePort());
  const out = ok('npx', ['--no-install', 'tsyolo', 'train', '--data', data.yamlPath, '--cfg', 'plugin/model.yaml', '--img', '64', '--batch', '4', '--hyp', 'hyp.digits.yaml', '--epochs', '1', '--noplots', '--workers', '2', '--nproc-per-node', '2', '--master-port', port, '--project', join(dir, 'runs'), '--plugin', 'plugin/logged.ts']);
  assert.match(out, /DDP: 2 ranks/);
  const loads = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const byRank = new Map<string, Set<string>>();
  for (const [, thread, rank] of loads) byRank.set(rank!, (byRank.get(rank!) ?? new Set()).add(thread!));
  assert.deepEqual([...byRank.get('-')!], ['0'], 'the launcher');
  for (const rank of ['0', '1']) assert.ok(byRank.get(rank)!.has('0') && byRank.get(rank)!.size >= 3, `rank ${rank}: main thread and 2 workers, got ${[...(byRank.get(rank) ?? [])]}`);
});

test('tsyolo/onnx detects on an image with no native addon present; the CLI still starts', async () => {
  // An exported model (the demo-trained digits detector) and a held-out digit scene with its labels.
  copyFileSync(join(repo, 'test', 'fixtures', 'digits-n-shufflenetv2.safetensors'), join(app, 'digits.safetensors'));
  ok('npx', ['--no-install', 'tsyolo', 'export', '--weights', 'digits.safetensors', '--include', 'onnx', '--img', '192']);
  const data = await generateDigits({ out: join(work, 'digits'), train: 1, val: 1, img: 192, seed: 7, log: () => {} });
  const imageDir = join(data.out, 'images', 'val');
  const image = join(imageDir, readdirSync(imageDir)[0]!);
  const labels = readFileSync(join(data.out, 'labels', 'val', readdirSync(join(data.out, 'labels', 'val'))[0]!), 'utf8')
    .trim().split('\n').map((l) => l.split(' ').map(Number));

  // val through the compiled data loader's worker thread (dist/, no tsx), before the addon goes.
  const metrics = JSON.parse(ok('npx', ['--no-install', 'tsyolo', 'val', '--weights', 'digits.onnx', '--data', data.yamlPath, '--img', '192', '--workers', '1', '--json']));
  assert.ok(metrics.mAP50 > 0, JSON.stringify(metrics));

  rmSync(join(installed, 'native', 'build'), { recursive: true });
  const out = node(['--input-type=module', '-e', `
    import { loadDetector } from 'tsyolo/onnx';
    const det = await loadDetector('digits.onnx', { imgsz: 192 });
    console.log(JSON.stringify(await det.detect(${JSON.stringify(image)})));`]);
  const dets = (JSON.parse(out) as Array<{ box: { x1: number; y1: number; x2: number; y2: number }; score: number; classId: number; label: string }>)
    .map((d) => [d.box.x1, d.box.y1, d.box.x2, d.box.y2, d.score, d.classId]);
  const [width, height] = [data.img, data.img];
  assert.ok(dets.length > 0, 'no detections');
  // Most labelled digits are found: same class, IoU ≥ 0.5 (the fixture reaches mAP50 ≈ 0.7).
  const iou = (a: number[], b: number[]) => {
    const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
    const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
    return (w * h) / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - w * h);
  };
  const found = labels.filter(([cls, cx, cy, bw, bh]) => {
    const box = [(cx! - bw! / 2) * width, (cy! - bh! / 2) * height, (cx! + bw! / 2) * width, (cy! + bh! / 2) * height];
    return dets.some((d) => d[5] === cls && iou(d, box) >= 0.5);
  });
  assert.ok(found.length * 2 >= labels.length, `found ${found.length} of ${labels.length} labelled digits; detections ${JSON.stringify(dets)}`);
  assert.equal(ok('npx', ['--no-install', 'tsyolo', '--version']).trim(), repoPkg.version);
  assert.match(ok('npx', ['--no-install', 'tsyolo', '--help']), /Usage: tsyolo/);
  // A libtorch call fails with one line: how to get libtorch (the install step's line) and how to rebuild.
  const engine = run(process.execPath, ['--input-type=module', '-e', `
    import { tensor } from 'tsyolo';
    try { tensor([1]); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`]);
  const err = JSON.parse(engine.stdout) as { name: string; message: string };
  assert.equal(err.name, 'NativeEngineError');
  assert.ok(!err.message.includes('\n') && err.message.includes(LIBTORCH_HINT) && err.message.includes('npm rebuild tsyolo'), err.message);
});
