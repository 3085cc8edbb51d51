// val.py main()'s `--task speed` and `--task study` (YOLOv5 v7.0): speed validates at conf 0.25 / IoU 0.45 and
// prints its speed line; study writes study_<data>_<weights>.txt (one '%10.4g' row of 10 values per size) and
// study.png in the working directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDigits } from '../../src/data/digits.ts';
import type { Backend } from '../../src/deploy/backend.ts';
import { STUDY_SIZES, studyRow, valSpeed } from '../../src/val/val-study.ts';
import { studyCurve } from '../../src/plot/val-study-plot.ts';
import type { ValResult } from '../../src/val/val.ts';
import { val } from '../../src/val/val.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-valtasks-'));
const ready = (async () => {
  const r = await generateDigits({ out: join(work, 'digits'), train: 2, val: 4, img: 96, seed: 3, log: () => {} });
  const { model } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 10 });
  const weights = join(work, 'tiny.safetensors');
  saveSafetensorsCheckpoint(weights, model);
  model.dispose();
  return { data: r.yamlPath, weights };
})();
after(async () => {
  await ready.catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

/** Each image's labels as predictions with confidence 0.2 (obj 1 × class 0.2): kept at conf 0.001, dropped at 0.25. */
function lowConfidenceOracle(nc: number, shapes: number[][]): Backend {
  return {
    names: Array.from({ length: nc }, (_, i) => String(i)),
    nc,
    stride: 32,
    fixedInputHW: null,
    dispose() {},
    async forward(_images, shape, targets) {
      const [n, , h, w] = shape;
      shapes.push([...shape]);
      const t = targets!;
      const perImage = Array.from({ length: n! }, () => [] as number[][]);
      for (let r = 0; r < t.length; r += 6) perImage[t[r]!]!.push([t[r + 1]!, t[r + 2]! * w!, t[r + 3]! * h!, t[r + 4]! * w!, t[r + 5]! * h!]);
      const rows = Math.max(1, ...perImage.map((p) => p.length));
      const no = 5 + nc;
      const data = new Float32Array(n! * rows * no);
      perImage.forEach((labels, i) =>
        labels.forEach(([c, cx, cy, bw, bh], k) => {
          const o = (i * rows + k) * no;
          data.set([cx!, cy!, bw!, bh!, 1], o);
          data[o + 5 + c!] = 0.2;
        }),
      );
      return { data, shape: [n!, rows, no], preprocessMs: 0 };
    },
  };
}

test('valSpeed: conf 0.25 and IoU 0.45 whatever was given (0.2-confidence boxes drop out), val split, no run folder', async () => {
  const { data } = await ready;
  const shapes: number[][] = [];
  const quiet = () => {};
  const normal = await val({ data, model: lowConfidenceOracle(10, shapes), imgsz: 96, batchSize: 4, workers: 0, plots: false, log: quiet });
  assert.ok(normal.mAP50 > 0.9, `normal val keeps them: ${normal.mAP50}`);
  const lines: string[] = [];
  const [r] = await valSpeed({ weights: ['a'], load: async () => lowConfidenceOracle(10, shapes), val: { data, imgsz: 96, batchSize: 4, workers: 0, confThres: 0.001, project: join(work, 'runs') }, log: (s) => lines.push(s) });
  assert.equal(r!.mAP50, 0);
  assert.ok(r!.nInstances > 0);
  assert.equal(r!.saveDir, null);
  assert.ok(!existsSync(join(work, 'runs')));
  assert.deepEqual(shapes.at(-1), [4, 3, 96, 96], 'square batches at --imgsz');
  assert.match(lines.at(-1)!, /^Speed: \d+\.\dms pre-process, \d+\.\dms inference, \d+\.\dms NMS per image at shape \(4, 3, 96, 96\)$/);
});

test('val --task speed (CLI): the table and the per-image speed line for the weights', async () => {
  const { data, weights } = await ready;
  const r = spawnSync(process.execPath, [bin, 'val', '--task', 'speed', '--weights', weights, '--data', data, '--img', '64', '--batch', '2', '--workers', '0'], { encoding: 'utf8', cwd: work });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines.find((l) => l.trim().startsWith('all'))!, /^ {19}all {10}4 +\d+ /);
  assert.match(lines.at(-1)!, /^Speed: \d+\.\dms pre-process, \d+\.\dms inference, \d+\.\dms NMS per image at shape \(2, 3, 64, 64\)$/);
});

test('val --task study: v7.0’s sizes 256…1536 step 128 by default', () => {
  assert.deepEqual([...STUDY_SIZES], [256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536]);
});

test('val --task study (CLI): study_<data>_<weights>.txt rows of 10 %10.4g values per size, and study.png', async () => {
  const { data, weights } = await ready;
  const r = spawnSync(process.execPath, [bin, 'val', '--task', 'study', '--weights', weights, '--data', data, '--batch', '4', '--workers', '0'], {
    encoding: 'utf8',
    cwd: work,
    env: { ...process.env, TSYOLO_STUDY_SIZES: '64,96,128' },
  });
  assert.equal(r.status, 0, r.stderr);
  for (const s of [64, 96, 128]) assert.ok(r.stdout.includes(`\nRunning study_data_tiny.txt --imgsz ${s}...\n`), `running line for ${s}`);
  assert.match(r.stdout, /Speed: .* at shape \(4, 3, 128, 128\)\nSaving study\.png\.\.\.\n$/);
  const rows = readFileSync(join(work, 'study_data_tiny.txt'), 'utf8').split('\n');
  assert.equal(rows.pop(), '', 'newline-terminated');
  assert.equal(rows.length, 3);
  for (const row of rows) {
    // np.savetxt(fmt='%10.4g'): ten right-aligned fields of width 10, one space apart.
    assert.equal(row.length, 10 * 10 + 9, row);
    const v = row.split(' ').filter((x) => x).map(Number);
    assert.equal(v.length, 10);
    assert.ok(v.every(Number.isFinite));
    assert.deepEqual(v.slice(4, 7), [0, 0, 0], 'no val losses outside training');
    assert.ok(v[8]! > 0, 'inference ms');
  }
  const png = await sharp(join(work, 'study.png')).metadata();
  assert.deepEqual([png.format, png.width, png.height], ['png', 2400, 1200], 'figsize (8, 4) at dpi 300');
});

test("studyRow is np.savetxt(fmt='%10.4g') of P, R, mAP50, mAP50-95, losses, times (CPython/NumPy output)", () => {
  const row = (v: number[]) => studyRow({ P: v[0]!, R: v[1]!, mAP50: v[2]!, mAP50_95: v[3]!, losses: [v[4]!, v[5]!, v[6]!], speedMs: { preprocess: v[7]!, inference: v[8]!, nms: v[9]! } } as ValResult);
  // python3 -c "import numpy as np, io; b=io.StringIO(); np.savetxt(b, y, fmt='%10.4g'); print(repr(b.getvalue()))"
  assert.equal(row([0.5, 1e-5, 0.99999, 1234567.0, 0, 0, 0, 0.123456, 15.0, 0.0001234]), '       0.5      1e-05          1  1.235e+06          0          0          0     0.1235         15  0.0001234');
  assert.equal(row([1, 0.1111111, 2.5e-7, 100000, 0, 0, 0, 12345.6789, 0.5, 3.0]), '         1     0.1111    2.5e-07      1e+05          0          0          0  1.235e+04        0.5          3');
});

test('plot_val_study draws sizes 1 … argmax(mAP50-95) only: inference ms against mAP × 100 in float32 (NumPy output)', () => {
  const col = (v: number[]) => Float32Array.from(v);
  // Columns as readStudyTxt gives them: P, R, mAP50, mAP50-95, t_pre, t_inf, t_nms; mAP peaks at the second size.
  const y = [col([0, 0, 0, 0]), col([0, 0, 0, 0]), col([0, 0, 0, 0]), col([0.1, 0.3, 0.2, 0.25]), col([0, 0, 0, 0]), col([5, 7, 9, 11]), col([0, 0, 0, 0])];
  assert.deepEqual(studyCurve(y), { xs: [7], ys: [30.000001907348633] });
  y[3] = col([0.4, 0.3, 0.2, 0.25]);
  assert.deepEqual(studyCurve(y), { xs: [], ys: [] }, 'best at the first size: nothing drawn');
});
