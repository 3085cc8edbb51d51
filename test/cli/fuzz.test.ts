// A fuzz pass over the CLI (issue #24): a few hundred invocations generated from a fixed seed — every command, flags
// with out-of-range, wrong-type and empty values, mutated data YAMLs, label files, model YAMLs and hyp files,
// truncated or byte-flipped images, videos and weights — each run as a child process with a time limit, several at
// once. Each must end with exit status 0 or 1 and no signal, within its time limit, without a stack trace; a failure
// must say why on a `tsyolo: error:` line and leave no empty run folder; a success must have written something (a
// file, or its report on stdout where that is the command's output); and no file may be left half-written
// (atomic-write temporaries, partial videos, or outputs that do not parse). Training cases are tiny: 1 epoch of 8
// 64-px digit scenes with a narrow yolov5n.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { generateDigits } from '../../src/data/digits.ts';
import { ModelProto } from '../../src/export/onnx-schema.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const SEED = 24_2026;
const CASES = 220;
/** Children at once: the CI machine's cores (at least 2, at most 4); each child gets one torch thread. */
const PARALLEL = Math.max(2, Math.min(4, availableParallelism()));
/** Far above any case's time (the slowest train fewer than 30 s even on a busy machine): reaching it is a hang. */
const CHILD_TIMEOUT_MS = 150_000;

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../bin/tsyolo.js');
const fixedOnnx = here('../../web/sample-model.onnx'); // fixed 320×320, nc 10
const ptFixture = here('../fixtures/yolov5n-shufflenetv2.pt'); // a YOLOv5 v7.0 pickle, nc 80
const work = mkdtempSync(join(tmpdir(), 'tsyolo-cli-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));

// ------------------------------------------------------------------------------------------------ seeded choices

/** mulberry32 with the helpers the generators need. */
class Rng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ------------------------------------------------------------------------------------------------ materials

const base = {
  dir: join(work, 'base'),
  data: '', // data.yaml of 8 train / 4 val digit scenes at 64 px
  dataset: '', // its folder
  images: '', // two of its val images
  video: '', // 10 frames of testsrc, moov first
  videoMoovLast: '', // the same with the index at the end (a cut loses it)
  miniYaml: '', // yolov5n at width 0.125, nc 10
  miniText: '',
  st: '', // mini.yaml's random weights as a .safetensors checkpoint
  onnx: '', // its export at 64 px
  hypText: readFileSync(here('../../configs/hyps/hyp.scratch-low.yaml'), 'utf8'),
  tinyPng: Buffer.alloc(0), // 5×5: decodable, below YOLOv5's 10-pixel minimum
};

before(async () => {
  mkdirSync(base.dir);
  const digits = await generateDigits({ out: join(base.dir, 'digits'), train: 8, val: 4, img: 64, seed: 7 });
  base.data = digits.yamlPath;
  base.dataset = digits.out;
  base.images = join(base.dir, 'images');
  mkdirSync(base.images);
  for (const f of readdirSync(join(base.dataset, 'images', 'val')).slice(0, 2)) copyFileSync(join(base.dataset, 'images', 'val', f), join(base.images, f));
  base.video = join(base.dir, 'clip.mp4');
  base.videoMoovLast = join(base.dir, 'clip-moov-last.mp4');
  const testsrc = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '10', '-c:v', 'mpeg4', '-q:v', '3'];
  assert.equal(spawnSync('ffmpeg', [...testsrc, '-movflags', '+faststart', base.video]).status, 0);
  assert.equal(spawnSync('ffmpeg', [...testsrc, base.videoMoovLast]).status, 0);
  base.miniText = readFileSync(here('../../configs/models/yolov5n.yaml'), 'utf8').replace(/^nc: 80/m, 'nc: 10').replace(/^width_multiple: 0\.25/m, 'width_multiple: 0.125');
  assert.notEqual(base.miniText, readFileSync(here('../../configs/models/yolov5n.yaml'), 'utf8'));
  base.miniYaml = join(base.dir, 'mini.yaml');
  writeFileSync(base.miniYaml, base.miniText);
  const { model } = loadModel(base.miniYaml);
  base.st = join(base.dir, 'mini.safetensors');
  saveSafetensorsCheckpoint(base.st, model);
  model.fuse().eval();
  base.onnx = join(base.dir, 'mini.onnx');
  writeFileSync(base.onnx, exportOnnx(model, { imgsz: 64 }).bytes);
  model.dispose();
  base.tinyPng = await sharp({ create: { width: 5, height: 5, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
});

// ------------------------------------------------------------------------------------------------ case generation

interface Step {
  args: string[];
  /** A success whose output is its report on stdout (info, detect --nosave, --help) rather than files. */
  stdoutIsOutput: boolean;
}

/** One invocation, or a chain (export → detect, train → val …) run in order while each step succeeds. */
interface Case {
  id: number;
  command: string;
  cwd: string;
  steps: Step[];
}

/** Values no flag should accept as they are, or accept only after saying so. */
const BAD_VALUES = ['', '0', '-1', 'abc', 'NaN', 'Infinity', '1.5', '1e9', '99999999', '0x10', ' ', '-0', '1,2', '٣'];

/** A flag with values a user would type and values a typo gives. */
type FlagSpec = { flag: string; good?: readonly string[]; switch?: true; /** never a BAD_VALUES one (1e9 ranks would be started) */ onlyGood?: true };

const DETECT_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '32', '96', '65'] },
  { flag: '--conf-thres', good: ['0.25', '0.001', '1', '0'] },
  { flag: '--iou-thres', good: ['0.45', '0', '1'] },
  { flag: '--max-det', good: ['1', '300'] },
  { flag: '--classes', good: ['0', '3', '9', '200'] },
  { flag: '--line-thickness', good: ['1', '8'] },
  { flag: '--vid-stride', good: ['1', '3', '20'] },
  { flag: '--device', good: ['cpu', ''] },
  { flag: '--name', good: ['run', 'a b', 'x/y'] },
  { flag: '--save-txt', switch: true },
  { flag: '--save-conf', switch: true },
  { flag: '--save-crop', switch: true },
  { flag: '--nosave', switch: true },
  { flag: '--hide-labels', switch: true },
  { flag: '--agnostic-nms', switch: true },
  { flag: '--exist-ok', switch: true },
];
const VAL_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '32', '96'] },
  { flag: '--batch-size', good: ['1', '2', '16'] },
  { flag: '--conf-thres', good: ['0.001', '0.5', '1'] },
  { flag: '--iou-thres', good: ['0.6', '0'] },
  { flag: '--max-det', good: ['1', '300'] },
  { flag: '--task', good: ['val', 'train', 'test', 'speed'] },
  { flag: '--workers', good: ['0', '1', '64'] },
  { flag: '--device', good: ['cpu'] },
  { flag: '--single-cls', switch: true },
  { flag: '--verbose', switch: true },
  { flag: '--save-txt', switch: true },
  { flag: '--save-json', switch: true },
  { flag: '--json', switch: true },
  { flag: '--exist-ok', switch: true },
];
const TRAIN_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '32', '65'] },
  { flag: '--batch-size', good: ['4', '2', '16'] }, // never a multiple of --nproc-per-node 3: no ranks are started
  { flag: '--optimizer', good: ['SGD', 'Adam', 'AdamW', 'Lion'] },
  { flag: '--label-smoothing', good: ['0.1', '0'] },
  { flag: '--patience', good: ['1', '0'] },
  { flag: '--seed', good: ['1', '7'] },
  { flag: '--freeze', good: ['10', '0', '99'] },
  { flag: '--cache', good: ['ram', 'disk', 'no'] },
  { flag: '--workers', good: ['0', '1', '64'] },
  { flag: '--device', good: ['cpu', '', '0', 'cuda:3'] },
  { flag: '--nproc-per-node', good: ['1', '3', '0', 'x'], onlyGood: true },
  { flag: '--single-cls', switch: true },
  { flag: '--cos-lr', switch: true },
  { flag: '--multi-scale', switch: true },
  { flag: '--noval', switch: true },
  { flag: '--nosave', switch: true },
  { flag: '--noautoanchor', switch: true },
  { flag: '--sync-bn', switch: true },
];
const EXPORT_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '32 64', '100', '64 64 64'] },
  { flag: '--batch-size', good: ['1', '2'] },
  { flag: '--opset', good: ['12', '17', '11', '18'] },
  { flag: '--include', good: ['onnx', 'ONNX', 'tflite'] },
  { flag: '--topk-all', good: ['1', '100'] },
  { flag: '--iou-thres', good: ['0.45'] },
  { flag: '--conf-thres', good: ['0.25'] },
  { flag: '--dynamic', switch: true },
  { flag: '--half', switch: true },
  { flag: '--nms', switch: true },
  { flag: '--agnostic-nms', switch: true },
];
const INFO_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '640', '33'] },
  { flag: '--nc', good: ['1', '10', '5000'] },
  { flag: '--fuse', switch: true },
  { flag: '--json', switch: true },
];
const COMPARE_FLAGS: FlagSpec[] = [
  { flag: '--img', good: ['64', '320'] },
  { flag: '--nc', good: ['1', '10'] },
  { flag: '--name', good: ['cmp', 'x/y'] },
  { flag: '--exist-ok', switch: true },
];

class Generator {
  readonly rng = new Rng(SEED);
  constructor(private readonly root: string) {}

  /** Flags from the table: good values mostly, a bad value now and then, switches given a value sometimes. */
  flags(table: FlagSpec[], max: number, badRate = 0.35): string[] {
    const out: string[] = [];
    const n = this.rng.int(0, max);
    for (let k = 0; k < n; k++) {
      const spec = this.rng.pick(table);
      if (spec.switch) {
        out.push(spec.flag);
        if (this.rng.chance(0.08)) out.push(this.rng.pick(['yes', '0', '']));
        continue;
      }
      const value = this.rng.chance(badRate) && !spec.onlyGood ? this.rng.pick(BAD_VALUES) : this.rng.pick(spec.good!);
      // export's --img takes h w as two values; every other value is one argument, spaces and all.
      out.push(spec.flag, ...(spec.flag === '--img' && /^\d+( \d+)+$/.test(value) ? value.split(' ') : [value]));
    }
    return out;
  }

  file(dir: string, name: string, data: string | Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  }

  /** A prefix of the bytes (possibly empty), or the bytes with a few flipped near the start (headers, indexes). */
  damaged(bytes: Uint8Array): { bytes: Uint8Array; how: string } {
    if (this.rng.chance(0.6)) {
      const cut = this.rng.chance(0.2) ? this.rng.int(0, 64) : this.rng.int(0, bytes.length - 1);
      return { bytes: bytes.subarray(0, cut), how: `cut at ${cut}/${bytes.length}` };
    }
    const copy = Uint8Array.from(bytes);
    const span = Math.min(copy.length, this.rng.pick([16, 256, 4096]));
    const flips = this.rng.int(1, 4);
    for (let k = 0; k < flips; k++) copy[this.rng.int(0, span - 1)] = this.rng.int(0, 255);
    return { bytes: copy, how: `${flips} bytes changed in the first ${span}` };
  }

  /** Weights for --weights: usable ones half the time. `export` writes beside them, so it gets copies. */
  weights(dir: string, purpose: 'load' | 'export'): string {
    const kind = this.rng.pick(['st', 'st', 'st', 'onnx', 'fixed-onnx', 'pt', 'damaged', 'damaged', 'empty', 'missing', 'yaml', 'image'] as const);
    const local = (src: string, name: string) => {
      if (purpose === 'load') return src;
      copyFileSync(src, join(dir, name));
      return join(dir, name);
    };
    switch (kind) {
      case 'st':
        return local(base.st, 'w.safetensors');
      case 'onnx':
        return local(base.onnx, 'w.onnx');
      case 'fixed-onnx':
        return local(fixedOnnx, 'sample.onnx');
      case 'pt':
        return local(ptFixture, 'w.pt');
      case 'damaged': {
        const src = this.rng.pick([base.st, base.onnx, ptFixture]);
        return this.file(dir, `damaged${extname(src)}`, this.damaged(readFileSync(src)).bytes);
      }
      case 'empty':
        return this.file(dir, this.rng.pick(['empty.pt', 'empty.safetensors', 'empty.onnx']), '');
      case 'missing':
        return join(dir, 'nothing.safetensors');
      case 'yaml':
        return this.rng.chance(0.5) ? local(base.miniYaml, 'mini.yaml') : this.file(dir, 'model.yaml', this.modelYamlText());
      case 'image':
        return join(base.images, readdirSync(base.images)[0]!);
    }
  }

  /** yolov5n (narrow, nc 10) with one or two things wrong — or, now and then, nothing. */
  modelYamlText(): string {
    if (this.rng.chance(0.15)) return this.rng.pick(['', 'nc: 10\n', '[1, 2]\n', 'null\n', base.miniText.slice(0, this.rng.int(0, base.miniText.length))]);
    const doc = parseYaml(base.miniText) as Record<string, unknown>;
    const edits = this.rng.int(0, 2);
    for (let e = 0; e < edits; e++) {
      const what = this.rng.pick(['nc', 'depth', 'width', 'anchors', 'row', 'row', 'drop-row', 'drop-key', 'activation'] as const);
      if (what === 'nc') doc.nc = this.rng.pick([0, -1, 'ten', 2.5, 5000, null]);
      else if (what === 'depth') doc.depth_multiple = this.rng.pick([0, -1, 'x', 1e-9, 3]);
      else if (what === 'width') doc.width_multiple = this.rng.pick([0, -0.5, 'x', 1e-9, 400]);
      else if (what === 'anchors') doc.anchors = this.rng.pick([[], 'x', [[1, 2, 3]], 0, 3, [[10, 13], [30, 61]], [[-10, 13, 16, 30, 33, 23]]]);
      else if (what === 'activation') doc.activation = this.rng.pick(['nn.ReLU()', 'nn.Nope()', 'import os', 5]);
      else if (what === 'drop-key') delete doc[this.rng.pick(['nc', 'anchors', 'backbone', 'head', 'depth_multiple'])];
      else {
        const part = this.rng.pick(['backbone', 'head']);
        const rows = doc[part] as unknown[][] | undefined;
        if (!Array.isArray(rows) || rows.length === 0) continue;
        const k = this.rng.int(0, rows.length - 1);
        if (what === 'drop-row') rows.splice(k, 1);
        else {
          const row = [...rows[k]!];
          const field = this.rng.int(0, 3);
          const choices: unknown[][] = [
            [99, -99, 'x', [], [-1, 99], 1.5],
            [0, -1, 'x', 3],
            ['Nope', 'nn.Nope', '', 5, 'Conv', 'Detect', 'eval'],
            ['x', [], [-1], [4096], [64, 3, 0], [64, 'a', 2], null],
          ];
          row[field] = this.rng.pick(choices[field]!);
          rows[k] = row;
        }
      }
    }
    return toYaml(doc);
  }

  /** The digit set's YAML with something wrong in it, pointing at the shared images — or a text-level mess. */
  dataYamlText(datasetPath: string): string {
    const text = readFileSync(base.data, 'utf8').replace(/^path: .*$/m, `path: ${JSON.stringify(datasetPath)}`);
    if (this.rng.chance(0.15)) return this.rng.pick(['', 'path: x\n', '[]\n', 'train: [\n', text.slice(0, this.rng.int(0, text.length)), text.replace(/:/g, '=')]);
    const doc = parseYaml(text) as Record<string, unknown>;
    const what = this.rng.pick(['nc', 'names', 'train', 'val', 'path', 'drop', 'test', 'none'] as const);
    if (what === 'nc') doc.nc = this.rng.pick([0, -1, 'ten', 3, 12, 1e9, 2.5]);
    else if (what === 'names') doc.names = this.rng.pick([[], 'digits', ['a', 'b'], { 0: 'a', 5: 'b' }, null, Array.from({ length: 12 }, (_, k) => `c${k}`)]);
    else if (what === 'train' || what === 'val') doc[what] = this.rng.pick(['images/nope', '', 'data.yaml', ['images/val', 'images/nope'], 5, null, 'labels/val', join(base.images, 'missing.txt')]);
    else if (what === 'path') doc.path = this.rng.pick(['relative/nowhere', 3, '', null, '/']);
    else if (what === 'drop') delete doc[this.rng.pick(['path', 'train', 'val', 'nc', 'names'])];
    else if (what === 'test') doc.test = this.rng.pick(['images/val', 'images/gone']);
    return toYaml(doc);
  }

  /** A copy of the digit set with a few label files (or images) damaged; its data.yaml. */
  damagedDataset(dir: string): string {
    const ds = join(dir, 'ds');
    cpSync(base.dataset, ds, { recursive: true, filter: (src) => !src.endsWith('.cache') });
    const edits = this.rng.int(1, 3);
    for (let e = 0; e < edits; e++) {
      const split = this.rng.pick(['train', 'val']);
      const labelDir = join(ds, 'labels', split);
      const files = readdirSync(labelDir).filter((f) => f.endsWith('.txt')).sort();
      const label = join(labelDir, this.rng.pick(files));
      const image = join(ds, 'images', split, `${label.slice(label.lastIndexOf('/') + 1, -4)}.jpg`);
      const row = this.rng.pick([
        '12 0.5 0.5 0.2 0.2', '-1 0.5 0.5 0.2 0.2', '1.5 0.5 0.5 0.2 0.2', 'x 0.5 0.5 0.2 0.2', '0 0.5 0.5 0.2', '0 0.5 0.5 0.2 0.2 0.9',
        '0 0.1 0.1 0.2 0.2 0.3 0.3 0.4', '0 1.5 0.5 0.2 0.2', '0 -0.2 0.5 0.2 0.2', '0 nan 0.5 0.2 0.2', '0 inf 0.5 0.2 0.2', '0 0.5 0.5 0 0',
        '0 0.5 0.5 0.2 0.2\r', '   ', '0,0.5,0.5,0.2,0.2', '1e9 0.5 0.5 0.2 0.2',
      ]);
      const how = this.rng.pick(['append', 'append', 'replace', 'empty', 'junk', 'many', 'drop-label', 'drop-image', 'cut-image', 'tiny-image', 'text-image'] as const);
      if (how === 'append') writeFileSync(label, `${readFileSync(label, 'utf8')}${row}\n`);
      else if (how === 'replace') writeFileSync(label, `${row}\n`);
      else if (how === 'empty') writeFileSync(label, '');
      else if (how === 'junk') writeFileSync(label, Buffer.from([0, 255, 13, 10, 7, 0x80]));
      else if (how === 'many') writeFileSync(label, '3 0.5 0.5 0.1 0.1\n'.repeat(2000));
      else if (how === 'drop-label') rmSync(label, { force: true });
      else if (how === 'drop-image') rmSync(image, { force: true });
      else if (how === 'cut-image' && existsSync(image)) writeFileSync(image, this.damaged(readFileSync(image)).bytes);
      else if (how === 'tiny-image') writeFileSync(image.replace(/\.jpg$/, '.png'), base.tinyPng), rmSync(image, { force: true });
      else if (how === 'text-image') writeFileSync(image, 'this is not a picture\n');
    }
    return this.file(ds, 'data.yaml', readFileSync(base.data, 'utf8').replace(/^path: .*$/m, `path: ${JSON.stringify(ds)}`));
  }

  data(dir: string): string {
    const kind = this.rng.pick(['good', 'good', 'yaml', 'yaml', 'labels', 'labels', 'missing', 'binary', 'model-yaml'] as const);
    if (kind === 'good') return base.data;
    if (kind === 'yaml') return this.file(dir, 'data.yaml', this.dataYamlText(base.dataset));
    if (kind === 'labels') return this.damagedDataset(dir);
    if (kind === 'missing') return join(dir, 'nowhere.yaml');
    if (kind === 'binary') return base.st;
    return base.miniYaml;
  }

  source(dir: string): { source: string } {
    const kind = this.rng.pick(['images', 'images', 'images', 'image', 'image', 'video', 'corrupt', 'damaged-image', 'empty-image', 'empty-dir', 'missing', 'video', 'damaged-video', 'cut-moov-last', 'mixed', 'list', 'glob', 'yaml'] as const);
    const first = join(base.images, readdirSync(base.images)[0]!);
    switch (kind) {
      case 'images':
        return { source: base.images };
      case 'image':
        return { source: first };
      case 'corrupt': {
        const d = join(dir, 'corrupt');
        mkdirSync(d);
        this.file(d, 'a.jpg', 'not an image');
        this.file(d, 'b.png', this.damaged(readFileSync(first)).bytes);
        return { source: d };
      }
      case 'damaged-image':
        return { source: this.file(dir, 'damaged.jpg', this.damaged(readFileSync(first)).bytes) };
      case 'empty-image':
        return { source: this.file(dir, 'empty.jpg', '') };
      case 'empty-dir':
        mkdirSync(join(dir, 'nothing'));
        return { source: join(dir, 'nothing') };
      case 'missing':
        return { source: join(dir, 'gone.jpg') };
      case 'video':
        return { source: base.video };
      case 'damaged-video':
        return { source: this.file(dir, 'damaged.mp4', this.damaged(readFileSync(base.video)).bytes) };
      case 'cut-moov-last': {
        const bytes = readFileSync(base.videoMoovLast);
        return { source: this.file(dir, 'cut.mp4', bytes.subarray(0, this.rng.int(0, bytes.length - 1))) };
      }
      case 'mixed': {
        const d = join(dir, 'mixed');
        mkdirSync(d);
        copyFileSync(first, join(d, 'good.jpg'));
        this.file(d, 'bad.jpg', 'junk');
        if (this.rng.chance(0.5)) copyFileSync(base.video, join(d, 'clip.mp4'));
        return { source: d };
      }
      case 'list':
        return { source: this.file(dir, 'list.txt', `${first}\n${join(dir, 'missing.jpg')}\n${this.rng.chance(0.5) ? '\n\n' : ''}`) };
      case 'glob':
        return { source: join(base.images, this.rng.pick(['*.jpg', '*.png', '**/*'])) };
      case 'yaml':
        return { source: base.data };
    }
  }

  hyp(dir: string): string {
    const doc = parseYaml(base.hypText) as Record<string, unknown>;
    const key = this.rng.pick(Object.keys(doc));
    const what = this.rng.pick(['value', 'value', 'drop', 'text'] as const);
    if (what === 'drop') delete doc[key];
    else if (what === 'value') doc[key] = this.rng.pick(['x', -1, 1e9, null, [], 0]);
    const text = what === 'text' ? base.hypText.slice(0, this.rng.int(0, base.hypText.length)) : toYaml(doc);
    return this.file(dir, 'hyp.yaml', text);
  }

  make(id: number): Case {
    const cwd = join(this.root, `case-${String(id).padStart(3, '0')}`);
    mkdirSync(cwd);
    const command = this.rng.pick(['detect', 'detect', 'detect', 'val', 'val', 'train', 'train', 'export', 'export', 'info', 'info', 'compare', 'data', 'parser', 'chain'] as const);
    // --project: the case's runs/ mostly; sometimes '' or none (the working directory's runs/), or a file.
    const project = () => {
      if (this.rng.chance(0.85)) return ['--project', join(cwd, 'runs')];
      if (this.rng.chance(0.2)) return ['--project', this.file(cwd, 'not-a-folder', 'x')];
      return this.rng.chance(0.5) ? ['--project', ''] : [];
    };
    let args: string[];
    let stdoutIsOutput = false;
    switch (command) {
      case 'detect': {
        const { source } = this.source(cwd);
        const flags = this.flags(DETECT_FLAGS, 4, 0.25);
        const weights = this.rng.chance(0.5) ? this.rng.pick([base.st, base.onnx, fixedOnnx, ptFixture]) : this.weights(cwd, 'load');
        args = ['detect', '--weights', weights, '--source', source, ...(flags.includes('--img') ? [] : ['--img', '64']), ...flags, ...project()];
        stdoutIsOutput = flags.includes('--nosave');
        break;
      }
      case 'val': {
        const flags = this.flags(VAL_FLAGS, 4, 0.25);
        args = ['val', '--weights', this.rng.chance(0.6) ? base.st : this.weights(cwd, 'load'), '--data', this.data(cwd), ...(flags.includes('--img') ? [] : ['--img', '64']), '--workers', '0', ...flags, ...project()];
        // --task speed|study: val.py's benchmarks print their results (speed writes files only for --save-txt hits).
        stdoutIsOutput = flags.some((f, k) => f === '--task' && ['speed', 'study'].includes(flags[k + 1] ?? ''));
        break;
      }
      case 'train': {
        // Fail fast mostly: one thing wrong in three cases of four; the rest train 1 epoch of 8 scenes.
        const broken = this.rng.chance(0.75);
        const what = broken ? this.rng.pick(['flags', 'data', 'data', 'cfg', 'cfg', 'hyp', 'weights', 'resume'] as const) : 'none';
        const cfg = what === 'cfg' ? this.file(cwd, 'model.yaml', this.modelYamlText()) : base.miniYaml;
        const data = what === 'data' ? this.data(cwd) : base.data;
        const extra = what === 'flags' ? this.flags(TRAIN_FLAGS, 3, 0.6) : this.flags(TRAIN_FLAGS.filter((f) => f.switch && f.flag !== '--sync-bn'), 2, 0);
        if (what === 'hyp') extra.push('--hyp', this.hyp(cwd));
        if (what === 'weights') extra.push('--weights', this.weights(cwd, 'load'));
        if (what === 'resume') extra.push('--resume', ...(this.rng.chance(0.3) ? [] : [this.weights(cwd, 'load')]));
        const epochs = what === 'flags' && this.rng.chance(0.3) ? this.rng.pick(['0', '-1', 'x', '1.5', '']) : '1';
        args = ['train', '--data', data, '--cfg', cfg, '--img', '64', '--batch-size', '4', '--epochs', epochs, '--workers', '0', '--noplots', ...extra, ...project()];
        break;
      }
      case 'export':
        args = ['export', '--weights', this.weights(cwd, 'export'), ...this.flags(EXPORT_FLAGS, 4)];
        if (!args.includes('--img')) args.push('--img', '64');
        break;
      case 'info': {
        const model = this.rng.chance(0.5) ? ['--cfg', this.rng.chance(0.7) ? this.file(cwd, 'model.yaml', this.modelYamlText()) : this.rng.pick(['yolov5n.yaml', 'nope.yaml', 'yolov5s-cbam.yaml', ''])] : ['--weights', this.weights(cwd, 'load')];
        args = ['info', ...model, ...this.flags(INFO_FLAGS, 3)];
        stdoutIsOutput = true;
        break;
      }
      case 'compare': {
        const n = this.rng.int(1, 3);
        const entries = Array.from({ length: n }, () => (this.rng.chance(0.5) ? this.weights(cwd, 'load') : this.rng.chance(0.5) ? base.miniYaml : this.file(cwd, `m${this.rng.int(0, 99)}.yaml`, this.modelYamlText())));
        args = ['compare', ...entries, ...this.flags(COMPARE_FLAGS, 2), ...project()];
        break;
      }
      case 'data': {
        // (no 1e9 scenes: a bad value must fail, not write for an hour)
        const value = (good: string[]) => (this.rng.chance(0.2) ? this.rng.pick(BAD_VALUES.filter((v) => !['1e9', '99999999'].includes(v))) : this.rng.pick(good));
        // Now and then a folder that already holds other images: refused, never cleared.
        const occupied = () => {
          mkdirSync(join(cwd, 'occupied', 'images'), { recursive: true });
          this.file(join(cwd, 'occupied', 'images'), 'x.jpg', 'mine');
          return join(cwd, 'occupied');
        };
        args = ['data', 'digits', '--out', this.rng.chance(0.9) ? join(cwd, 'out') : occupied(), '--train', value(['1', '3', '0']), '--val', value(['0', '2']), '--img', value(['64', '32', '48', '31']), '--seed', value(['0', '5'])];
        break;
      }
      case 'parser': {
        const sub = this.rng.pick(['detect', 'val', 'train', 'export', 'info', 'compare', 'modules', 'data', 'demo', 'frob', '']);
        const junk = this.rng.pick([['--nc'], ['--bogus'], ['-x'], ['--img'], ['--help'], ['--version'], ['--weights'], ['--', '--img', '3'], ['--img', '64', '--img', 'x'], ['-h', '--bogus'], []]);
        args = [sub, ...junk].filter((a) => a !== '');
        stdoutIsOutput = true; // --help, --version
        break;
      }
      case 'chain':
        return { id, command, cwd, steps: this.chain(cwd) };
    }
    return { id, command, cwd, steps: [{ args, stdoutIsOutput }] };
  }

  /** What a user does next with what a command made: the exported model detected and validated, the trained one used. */
  chain(cwd: string): Step[] {
    const project = ['--project', join(cwd, 'runs')];
    const use = (weights: string): Step => {
      const how = this.rng.pick(['detect', 'detect', 'val', 'info', 'export', 'resume'] as const);
      if (how === 'detect') {
        const flags = this.flags(DETECT_FLAGS.filter((f) => f.switch), 2, 0);
        return { args: ['detect', '--weights', weights, '--source', this.rng.pick([base.images, base.video]), '--img', this.rng.pick(['64', '96']), ...flags, ...project], stdoutIsOutput: flags.includes('--nosave') };
      }
      if (how === 'val') return { args: ['val', '--weights', weights, '--data', base.data, '--img', '64', '--workers', '0', ...this.flags(VAL_FLAGS.filter((f) => f.switch), 2, 0), ...project], stdoutIsOutput: false };
      if (how === 'info') return { args: ['info', '--weights', weights, '--fuse'], stdoutIsOutput: true };
      if (how === 'export') return { args: ['export', '--weights', weights, '--img', '64', ...this.flags(EXPORT_FLAGS.filter((f) => f.switch), 2, 0)], stdoutIsOutput: false };
      return { args: ['train', '--resume', weights], stdoutIsOutput: false };
    };
    if (this.rng.chance(0.6)) {
      const weights = join(cwd, 'w.safetensors');
      copyFileSync(base.st, weights);
      const img = this.rng.pick([['64'], ['64', '96'], ['32']]);
      const exportFlags = [...new Set(Array.from({ length: this.rng.int(0, 3) }, () => this.rng.pick(['--dynamic', '--half', '--nms', '--nms --agnostic-nms', '--opset 12', '--batch-size 2', '--topk-all 5 --nms'])))].join(' ').split(' ').filter(Boolean);
      const onnx = join(cwd, 'w.onnx');
      const next = use(onnx);
      return [{ args: ['export', '--weights', weights, '--img', ...img, ...exportFlags], stdoutIsOutput: false }, next.args[0] === 'train' || next.args[0] === 'info' ? use(onnx) : next];
    }
    const train: Step = { args: ['train', '--data', base.data, '--cfg', base.miniYaml, '--img', '64', '--batch-size', '4', '--epochs', '1', '--workers', '0', '--noplots', ...project, '--name', 'tr'], stdoutIsOutput: false };
    return [train, use(join(cwd, 'runs', 'tr', 'weights', this.rng.pick(['best.safetensors', 'last.safetensors'])))];
  }
}


// ------------------------------------------------------------------------------------------------ running and checking

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
}

function runChild(c: Case, step: Step): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    // Its own process group, so a hang is stopped with whatever it started (ffmpeg, ranks).
    const child = spawn(process.execPath, [bin, ...step.args], { cwd: c.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout = (stdout + s).slice(-200_000)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-200_000)));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, hung });
    });
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function dirsWithoutFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): boolean => {
    let hasFile = false;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) hasFile = walk(join(d, e.name)) || hasFile;
      else hasFile = true;
    }
    if (!hasFile && d !== dir) out.push(relative(dir, d));
    return hasFile;
  };
  walk(dir);
  return out;
}

/** A stack frame, or what Node prints for an uncaught error, or a JS engine message leaking out. */
const STACK = /^\s+at \S.*(\(|:\d+:\d+)|^Node\.js v\d+|node:internal|Cannot read properties of|is not a function|is not iterable|Maximum call stack|^\w*Error: /m;

/** Why an output file is not whole, or undefined. */
async function notWhole(path: string): Promise<string | undefined> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/\.tmp-\d+-\d+$/.test(name) || /\.partial\./.test(name)) return 'temporary file left behind';
  if (name.endsWith('.cache')) return undefined; // the label cache, beside the dataset's labels
  const bytes = readFileSync(path);
  if (bytes.length === 0) return 'empty file';
  try {
    switch (extname(name).toLowerCase()) {
      case '.json':
        JSON.parse(bytes.toString('utf8'));
        break;
      case '.yaml':
        parseYaml(bytes.toString('utf8'));
        break;
      case '.csv': {
        // `#` lines are comments (PR_curve.csv's first line holds the curve's mAP@0.5).
        const widths = new Set(bytes.toString('utf8').trimEnd().split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split(',').length));
        if (widths.size !== 1) return `rows of ${[...widths].join(' and ')} columns`;
        break;
      }
      case '.txt':
        for (const line of bytes.toString('utf8').trimEnd().split('\n')) {
          const v = line.trim().split(/\s+/).map(Number);
          if (v.length < 5 || v.some((x) => !Number.isFinite(x))) return `label line '${line}'`;
        }
        break;
      case '.jpg':
      case '.png':
        await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer();
        break;
      case '.mp4': {
        const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path], { encoding: 'utf8' });
        if (r.status !== 0 || !(Number(r.stdout.trim()) > 0) || r.stderr.trim()) return `ffprobe: ${r.stderr.trim() || r.stdout.trim()}`;
        break;
      }
      case '.onnx':
        ModelProto.decode(bytes);
        break;
      case '.safetensors': {
        const n = Number(bytes.readBigUInt64LE(0));
        const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
        const end = Math.max(0, ...Object.values(header).map((t) => t.data_offsets?.[1] ?? 0));
        if (8 + n + end !== bytes.length) return `safetensors of ${bytes.length} bytes, header says ${8 + n + end}`;
        break;
      }
    }
  } catch (e) {
    return `does not parse: ${(e as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/** Everything wrong with one finished case (empty when it behaved). */
async function problems(c: Case, step: Step, before: Set<string>, r: Outcome): Promise<string[]> {
  const out: string[] = [];
  if (r.hung) return [`no exit within ${CHILD_TIMEOUT_MS / 1000} s (hang)`];
  if (r.signal) out.push(`ended by ${r.signal}`);
  if (r.code !== 0 && r.code !== 1) out.push(`exit status ${r.code}`);
  const stack = STACK.exec(`${r.stdout}\n${r.stderr}`);
  if (stack) out.push(`stack trace or engine message: '${stack[0].trim()}'`);
  const created = filesUnder(c.cwd).filter((f) => !before.has(f));
  for (const f of created) {
    const why = await notWhole(join(c.cwd, f));
    if (why) out.push(`${f}: ${why}`);
  }
  const outputs = created.filter((f) => !f.endsWith('.cache'));
  if (r.code === 0 && outputs.length === 0 && !(step.stdoutIsOutput && r.stdout.trim())) out.push('exit 0 but nothing written');
  if (r.code === 1) {
    if (!/^tsyolo: error: \S/m.test(r.stderr)) out.push('exit 1 without a tsyolo: error: line');
    const empty = dirsWithoutFiles(c.cwd).filter((d) => !before.has(d));
    if (empty.length) out.push(`failed run left empty folders: ${empty.join(', ')}`);
  }
  return out;
}

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const k = next++;
        results[k] = await fn(items[k]!);
      }
    }),
  );
  return results;
}

test(`CLI fuzz: ≥ ${CASES} generated invocations (seed ${SEED}) — no stack trace, hang, signal, silent success or half-written file`, async (t) => {
  const gen = new Generator(join(work, 'cases'));
  mkdirSync(join(work, 'cases'));
  const cases = Array.from({ length: CASES }, (_, k) => gen.make(k));
  const t0 = performance.now();
  const runs: Array<{ c: Case; step: Step; r: Outcome; found: string[] }> = [];
  await pool(cases, PARALLEL, async (c) => {
    for (const step of c.steps) {
      // What is there before a step is its input (empty source folders included), not its output.
      const before = new Set([...filesUnder(c.cwd), ...dirsWithoutFiles(c.cwd)]);
      const r = await runChild(c, step);
      runs.push({ c, step, r, found: await problems(c, step, before, r) });
      if (r.code !== 0) break;
    }
  });
  const failures = runs
    .filter((x) => x.found.length)
    .map(({ c, step, r, found }) => `case ${c.id}: tsyolo ${step.args.map((a) => JSON.stringify(a)).join(' ')}\n  exit ${r.code} ${r.signal ?? ''}: ${found.join('; ')}\n  stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  // Shared inputs: nothing half-written beside the dataset either (label caches, --cache disk .npy files).
  for (const f of filesUnder(base.dir)) if (/\.tmp-\d+-\d+$/.test(f)) failures.push(`base/${f}: temporary file left behind`);
  const byCommand = new Map<string, { n: number; ok: number; s: number }>();
  for (const { step, r } of runs) {
    const s = byCommand.get(step.args[0] ?? '') ?? { n: 0, ok: 0, s: 0 };
    s.n++;
    s.s += r.ms / 1000;
    if (r.code === 0) s.ok++;
    byCommand.set(step.args[0] ?? '', s);
  }
  const slowest = runs.reduce((a, b) => (b.r.ms > a.r.ms ? b : a));
  t.diagnostic(`${runs.length} invocations (${cases.length} cases) in ${((performance.now() - t0) / 1000).toFixed(0)} s, ${PARALLEL} at a time: ${[...byCommand].map(([k, s]) => `${k || '(none)'} ${s.n} (${s.ok} exit 0, ${(s.s / s.n).toFixed(1)} s each)`).join(', ')}`);
  t.diagnostic(`slowest: case ${slowest.c.id}, ${(slowest.r.ms / 1000).toFixed(1)} s: tsyolo ${slowest.step.args.join(' ')}`);
  assert.ok(runs.length >= CASES);
  assert.ok(runs.filter((x) => x.r.code === 0).length >= runs.length / 5, 'a fair share of the invocations are valid and run');
  assert.deepEqual(failures, []);
});
