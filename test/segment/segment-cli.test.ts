// `tsyolo segment val` and `tsyolo segment predict` through the CLI on the v7.0-trained fixture checkpoint
// (test/fixtures/segment/make_val_predict.py): the printed mask mAP is segment/val.py's; predict writes annotated
// images (masks drawn: pixels changed where the masks are, untouched far from them) and polygon labels equal to
// segment/predict.py's; the same model as .safetensors and as tsyolo's ONNX export (output0 + output1) gives the same
// masks; bad input (a detection checkpoint, a detection dataset) exits 1 with one clear line and no run folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentPredict } from '../../src/segment/segment-predict.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (p: string) => here(`../fixtures/segment/${p}`);
const bin = here('../../bin/tsyolo.js');
const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work });

// A copy of the scenes: the loader writes its labels.cache beside the labels.
cpSync(fixture('val_data'), join(work, 'val_data'), { recursive: true });
const yaml = join(work, 'scenes.yaml');
writeFileSync(yaml, `path: ${join(work, 'val_data')}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
const expected = JSON.parse(readFileSync(fixture('val_expected.json'), 'utf8')) as { process_mask: { mean: Record<string, number> } };
const predicted = JSON.parse(readFileSync(fixture('predict_expected.json'), 'utf8')) as { images: Array<{ image: string; labels: string[] }> };
const PREDICT = ['--img', '64', '--conf', '0.01', '--max-det', '3'];

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^tsyolo: error: /);
  return lines[0]!;
}

test('segment val --json --save-txt: box and mask mAP of segment/val.py, box labels per image', () => {
  const r = run('segment', 'val', '--weights', fixture('val_seg.pt'), '--data', yaml, '--img', '64', '--batch', '4', '--workers', '0', '--project', join(work, 'val'), '--json', '--save-txt');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { box: { mAP50_95: number; mAP50: number }; mask: { mAP50_95: number; mAP50: number }; images: number; instances: number };
  const want = expected.process_mask.mean;
  assert.ok(Math.abs(j.mask.mAP50_95 - want.mask_map!) <= 1e-6 && Math.abs(j.mask.mAP50 - want.mask_map50!) <= 1e-6, JSON.stringify(j.mask));
  assert.ok(Math.abs(j.box.mAP50_95 - want.box_map!) <= 1e-6, JSON.stringify(j.box));
  assert.deepEqual([j.images, j.instances], [8, 20]);
  const labels = readdirSync(join(work, 'val', 'exp', 'labels'));
  assert.equal(labels.length, 8);
  for (const line of readFileSync(join(work, 'val', 'exp', 'labels', labels[0]!), 'utf8').trim().split('\n')) assert.match(line, /^[01]( [\d.e-]+){4}$/);
});

test('segment predict --save-txt (and --retina-masks): images with masks drawn, polygon labels as segment/predict.py', async () => {
  for (const retina of [false, true]) {
    const name = retina ? 'retina' : 'plain';
    const r = run('segment', 'predict', '--weights', fixture('val_seg.pt'), '--source', fixture('val_data/images'), ...PREDICT, '--save-txt', '--project', join(work, 'predict'), '--name', name, ...(retina ? ['--retina-masks'] : []));
    assert.equal(r.status, 0, r.stderr);
    const dir = join(work, 'predict', name);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.png')).sort(), predicted.images.map((i) => i.image).sort());
    for (const want of predicted.images) {
      const txt = join(dir, 'labels', want.image.replace('.png', '.txt'));
      if (!want.labels.length) {
        assert.ok(!existsSync(txt), `${txt}: no detections, no label file`);
        continue;
      }
      assert.deepEqual(readFileSync(txt, 'utf8').trimEnd().split('\n'), want.labels, want.image);
      // Drawn: the annotated image differs from the source (masks tinted, boxes drawn); same size.
      const [a, b] = await Promise.all([decodeImage(join(dir, want.image)), decodeImage(fixture(`val_data/images/${want.image}`))]);
      assert.deepEqual([a.width, a.height], [b.width, b.height]);
      let changed = 0;
      for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) changed++;
      assert.ok(changed > a.data.length / 30, `${want.image}: ${changed} bytes changed`);
    }
    assert.match(r.stdout, /Results saved to .*\n\d+ labels saved to /);
  }
});

test('the same model as .safetensors and as its ONNX export (output0 + output1) predicts the same masks', async () => {
  const pt = join(work, 'model.pt');
  copyFileSync(fixture('val_seg.pt'), pt);
  const e = run('export', '--weights', pt, '--img', '64');
  assert.equal(e.status, 0, e.stderr);
  // export.py's closing hints name the task's scripts: segment/predict.py and segment/val.py.
  assert.match(e.stdout, /Detect: +tsyolo segment predict --weights .*model\.onnx/);
  assert.match(e.stdout, /Validate: +tsyolo segment val --weights /);
  const { model } = loadModel(pt);
  saveSafetensorsCheckpoint(join(work, 'model.safetensors'), model);
  model.dispose();
  const results = [];
  for (const w of ['model.pt', 'model.safetensors', 'model.onnx']) {
    const backend = await loadSegmentBackend(join(work, w));
    try {
      results.push(await segmentPredict(backend, { source: fixture('val_data/images'), imgsz: 64, confThres: 0.01, maxDet: 3, nosave: true, project: join(work, 'runs'), name: w, log: () => {} }));
    } finally {
      await backend.dispose();
    }
  }
  const [ref, ...others] = results;
  for (const other of others) {
    other!.images.forEach((im, k) => {
      const r0 = ref!.images[k]!;
      assert.equal(im.masks.n, r0.masks.n, im.path);
      let inter = 0;
      let union = 0;
      for (let p = 0; p < im.masks.data.length; p++) {
        inter += im.masks.data[p]! & r0.masks.data[p]!;
        union += im.masks.data[p]! | r0.masks.data[p]!;
      }
      assert.ok(union === 0 || inter / union >= 0.99, `${im.path}: IoU ${inter / union}`);
    });
  }
});

test('bad input: a detection checkpoint, a detection dataset (boxes only): exit 1, one line, no run folder', () => {
  const det = here('../fixtures/digits-n-shufflenetv2.safetensors');
  const v = run('segment', 'val', '--weights', det, '--data', yaml, '--img', '64', '--project', join(work, 'bad'));
  assert.equal(v.status, 1);
  assert.match(oneErrorLine(v.stderr), /is a detection model .*segment val\/predict need a segmentation model/);
  const p = run('segment', 'predict', '--weights', det, '--source', fixture('val_data/images'), '--project', join(work, 'bad'));
  assert.equal(p.status, 1);
  assert.match(oneErrorLine(p.stderr), /is a detection model/);
  // The scenes with box rows: a detection dataset.
  const boxes = join(work, 'boxes');
  cpSync(fixture('val_data/images'), join(boxes, 'images'), { recursive: true });
  mkdirSync(join(boxes, 'labels'));
  for (const f of readdirSync(fixture('val_data/labels'))) {
    const rows = readFileSync(fixture(`val_data/labels/${f}`), 'utf8').trim().split('\n').map((l) => {
      const v2 = l.split(' ').map(Number);
      const xs = v2.slice(1).filter((_, i) => i % 2 === 0);
      const ys = v2.slice(1).filter((_, i) => i % 2 === 1);
      const [x1, x2, y1, y2] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      return `${v2[0]} ${(x1 + x2) / 2} ${(y1 + y2) / 2} ${x2 - x1} ${y2 - y1}`;
    });
    writeFileSync(join(boxes, 'labels', f), rows.join('\n') + '\n');
  }
  const boxYaml = join(work, 'boxes.yaml');
  writeFileSync(boxYaml, `path: ${boxes}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
  const d = run('segment', 'val', '--weights', fixture('val_seg.pt'), '--data', boxYaml, '--img', '64', '--workers', '0', '--project', join(work, 'bad'));
  assert.equal(d.status, 1);
  assert.match(oneErrorLine(d.stderr), /labels\/scene\d\.txt: box labels only \(class cx cy w h\), a detection dataset: segment val needs polygon labels/);
  assert.ok(!existsSync(join(work, 'bad')), 'no run folder');
});
