// #24 item 1: a model whose outputs hold NaN/inf (diverged weights) never scores mAP 0 in silence. val and detect
// warn naming how many images got them, and end with an error (exit status 1) when every image did.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import type { Backend, ModelOutput } from '../../src/deploy/backend.ts';
import { nonFiniteRows } from '../../src/deploy/postprocess.ts';
import { detect } from '../../src/detect/detect.ts';
import { noGrad } from '../../src/tensor/runtime.ts';
import { nonFiniteEntries } from '../../src/train/nonfinite-guard.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { val } from '../../src/val/val.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-nonfinite-'));
after(() => rmSync(work, { recursive: true, force: true }));
const ready = generateDigits({ out: join(work, 'digits'), train: 2, val: 6, img: 96, seed: 3, log: () => {} });

const NC = 10;

/**
 * The ground truth as predictions (as test/val/val.test.ts's oracle), except that the rows of every `poison`-th call's
 * images (all images when poison(call, image) says so) are NaN: a model broken for those inputs.
 */
function poisoned(poison: (call: number, image: number) => boolean): Backend {
  let call = 0;
  return {
    names: Array.from({ length: NC }, (_, i) => String(i)),
    nc: NC,
    stride: 32,
    fixedInputHW: null,
    dispose() {},
    async forward(_images, [n, , h, w], targets) {
      const no = 5 + NC;
      const rows = 8;
      const data = new Float32Array(n! * rows * no);
      const t = targets ?? new Float32Array(0);
      const used = new Array<number>(n!).fill(0);
      for (let r = 0; r < t.length; r += 6) {
        const i = t[r]!;
        if (used[i]! >= rows) continue;
        const o = (i * rows + used[i]!++) * no;
        data.set([t[r + 2]! * w!, t[r + 3]! * h!, t[r + 4]! * w!, t[r + 5]! * h!, 1], o);
        data[o + 5 + t[r + 1]!] = 1;
      }
      for (let i = 0; i < n!; i++) if (poison(call, i)) data.fill(Number.NaN, i * rows * no, (i + 1) * rows * no);
      call++;
      return { data, shape: [n!, rows, no], preprocessMs: 0 };
    },
  };
}

test('nonFiniteRows counts, per image, the rows holding NaN or ±inf (decoded and in-graph NMS outputs)', () => {
  const no = 6;
  const data = new Float32Array(2 * 3 * no);
  data[0] = Number.NaN; // image 0, row 0
  data[no + 4] = Number.POSITIVE_INFINITY; // image 0, row 1
  data[3 * no + 2 * no + 5] = Number.NEGATIVE_INFINITY; // image 1, row 2
  assert.deepEqual(nonFiniteRows({ data, shape: [2, 3, no] }), [2, 1]);
  assert.deepEqual(nonFiniteRows({ data: new Float32Array(2 * 3 * no), shape: [2, 3, no] }), [0, 0]);
  // (n, 7) rows image, x1, y1, x2, y2, conf, cls of a model with NMS inside.
  const nms: ModelOutput = { data: Float32Array.from([0, 1, 1, 2, 2, 0.9, 3, 1, Number.NaN, 1, 2, 2, 0.8, 1, 1, 1, 1, 2, 2, 0.7, 1]), shape: [3, 7], inGraphNms: { images: 3 } };
  assert.deepEqual(nonFiniteRows(nms), [0, 1, 0]);
});

test('val: some images with NaN outputs is a warning naming the count; all of them is an error', async () => {
  const { yamlPath } = await ready;
  const lines: string[] = [];
  const r = await val({ data: yamlPath, model: poisoned((call, i) => call === 0 && i === 0), imgsz: 96, batchSize: 2, workers: 0, plots: false, log: (s) => lines.push(s) });
  assert.equal(r.nImages, 6);
  assert.equal(r.nonFiniteImages, 1);
  const warning = lines.findIndex((l) => l.startsWith('WARNING ⚠️ the model gave non-finite outputs (NaN/inf) for 1 of 6 images'));
  assert.ok(warning >= 0, lines.join('\n'));
  assert.ok(warning < lines.findIndex((l) => l.includes('mAP50-95')), 'before the table it qualifies');
  assert.ok(r.R < 1 && r.R > 0.5, `recall ${r.R}: the poisoned image's labels are missed, the others found`);

  const sound = await val({ data: yamlPath, model: poisoned(() => false), imgsz: 96, batchSize: 2, workers: 0, plots: false, log: () => {} });
  assert.equal(sound.nonFiniteImages, 0);
  assert.ok(Math.abs(sound.R - 1) < 1e-9);

  await assert.rejects(
    val({ data: yamlPath, model: poisoned(() => true), imgsz: 96, batchSize: 4, workers: 0, plots: false, log: () => {} }),
    /^Error: the model gave non-finite outputs \(NaN\/inf\) for 6 of 6 images: its weights are broken/,
  );
  // Training's validation only counts them: the trainer stops with the epoch in its message.
  const during = await val({ data: yamlPath, model: poisoned(() => true), imgsz: 96, batchSize: 4, workers: 0, plots: false, training: true, log: () => {} });
  assert.equal(during.nonFiniteImages, 6);
});

test('detect (library): a warning for some images, an error when every image gives NaN', async () => {
  await ready;
  const source = join(work, 'digits', 'images', 'val');
  const lines: string[] = [];
  const r = await detect(poisoned((call) => call === 2), { source, imgsz: 96, nosave: true, project: join(work, 'runs'), log: (s) => lines.push(s) });
  assert.equal(r.images.length, 6);
  assert.equal(r.nonFiniteImages, 1);
  assert.ok(lines.some((l) => l.startsWith('WARNING ⚠️ the model gave non-finite outputs (NaN/inf) for 1 of 6 images')), lines.join('\n'));
  await assert.rejects(detect(poisoned(() => true), { source, imgsz: 96, nosave: true, project: join(work, 'runs'), log: () => {} }), /for 6 of 6 images: its weights are broken/);
});

test('val and detect CLI: a checkpoint with a NaN weight exits 1 naming the problem; the same model sound exits 0', async () => {
  const { yamlPath } = await ready;
  const model = new DetectionModel(loadModelConfig('yolov5n-shufflenetv2.yaml').config, { nc: NC });
  const sound = join(work, 'sound.safetensors');
  const broken = join(work, 'broken.safetensors');
  try {
    saveSafetensorsCheckpoint(sound, model);
    assert.deepEqual(nonFiniteEntries(model), []);
    // The Detect head's first bias: every output row of level 0 becomes NaN (as a diverged training leaves them).
    const [name, bias] = [...model.stateDict()].find(([k]) => k.endsWith('.m.0.bias'))!;
    noGrad(() => bias.fill_(Number.NaN));
    assert.deepEqual(nonFiniteEntries(model), [name]);
    saveSafetensorsCheckpoint(broken, model);
  } finally {
    model.dispose();
  }
  const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8' });
  const valArgs = (w: string) => ['val', '--weights', w, '--data', yamlPath, '--img', '96', '--workers', '0', '--project', join(work, 'runs', 'val')];
  const ok = cli(valArgs(sound));
  assert.equal(ok.status, 0, ok.stderr);
  assert.doesNotMatch(ok.stdout, /non-finite/);
  const bad = cli(valArgs(broken));
  assert.equal(bad.status, 1, bad.stdout);
  assert.match(bad.stderr, /^tsyolo: error: the model gave non-finite outputs \(NaN\/inf\) for 6 of 6 images: its weights are broken/m);

  const source = join(work, 'digits', 'images', 'val');
  const det = cli(['detect', '--weights', broken, '--source', source, '--img', '96', '--project', join(work, 'runs', 'detect')]);
  assert.equal(det.status, 1, det.stdout);
  assert.match(det.stderr, /^tsyolo: error: the model gave non-finite outputs \(NaN\/inf\) for 6 of 6 images/m);
  const detOk = cli(['detect', '--weights', sound, '--source', source, '--img', '96', '--project', join(work, 'runs', 'detect')]);
  assert.equal(detOk.status, 0, detOk.stderr);
  assert.ok(existsSync(join(work, 'runs', 'detect')));
});
