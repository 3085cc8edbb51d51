// The browser demo on a segmentation model: the page (web/, harness serve-page.ts) loads val_seg.pt's ONNX export
// (output0 + output1) in headless Chromium with onnxruntime-web, runs an image, and its detections and masks equal
// onnxruntime-node's through the same TypeScript (boxes within 1 px, masks IoU ≥ 0.99); the canvas shows the masks
// blended as drawMasks (v7.0's Annotator.masks) computes them, under the boxes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadDetector } from '../../src/onnx.ts';
import { saveImage } from '../../src/plot/image-file.ts';
import { drawMasks } from '../../src/segment/mask-draw.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { assertSameDetections } from '../deploy/same-detections.ts';
import { launchChromium, servePage } from './serve-page.ts';
import { binaryMaskIou as iou } from '../segment/binary-masks.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/segment/${f}`, import.meta.url));
const CONF = 0.01;

test('browser demo: a -seg ONNX in Chromium gives onnxruntime-node\'s detections and masks, drawn on the canvas', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tsyolo-web-seg-'));
  const { model } = loadModel(fixture('val_seg.pt'));
  model.fuse().eval();
  const onnxFile = join(out, 'val_seg.onnx');
  writeFileSync(onnxFile, exportOnnx(model, { imgsz: 64 }).bytes);
  model.dispose();
  // scene7 (64×80) enlarged 4× (nearest): masks come back at 256×320, large enough to see past the box labels.
  const small = await decodeImage(fixture('val_data/images/scene7.png'));
  const [w, h] = [small.width * 4, small.height * 4];
  const big = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) big.set(small.data.subarray(((y >> 2) * small.width + (x >> 2)) * 3, ((y >> 2) * small.width + (x >> 2)) * 3 + 3), (y * w + x) * 3);
  const imageFile = join(out, 'scene7x4.png');
  await saveImage(imageFile, big, w, h);
  const image = await decodeImage(imageFile);

  const node = await loadDetector(onnxFile, { threads: 2, conf: CONF });
  const want = await node.detectRows(image);
  await node.dispose();
  const n = want.detections.length / 6;
  assert.ok(n >= 2 && want.masks?.n === n, `the Node run finds objects with masks (${n})`);

  const server = await servePage(join(out, 'dist'));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    await page.fill('#conf', String(CONF));
    await page.setInputFiles('#model-file', onnxFile);
    await page.waitForFunction(() => (window as any).tsyolo?.modelName === 'val_seg.onnx' || (window as any).tsyolo?.error, null, { timeout: 60_000 });
    assert.match((await page.textContent('#status'))!, /2 classes, segmentation \(32 mask coefficients\)/);
    await page.evaluate(() => ((window as any).tsyolo.result = undefined));
    await page.setInputFiles('#image-file', imageFile);
    await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    const state = await page.evaluate(() => (window as any).tsyolo);
    assert.equal(state.error, undefined, `page error: ${state.error}`);
    assert.deepEqual(state.result.imageHW, [h, w]);
    const got: number[][] = state.result.detections;
    assertSameDetections(got.flat(), want.detections);
    const masks = await page.evaluate(() => {
      const m = (window as any).tsyoloMasks.masks;
      return { n: m.n, height: m.height, width: m.width, data: Array.from(m.data as Uint8Array) };
    });
    assert.deepEqual([masks.n, masks.height, masks.width], [n, h, w]);
    const hw = w * h;
    // Each browser detection's mask against its Node partner's (same class, box within 1 px).
    for (let r = 0; r < n; r++) {
      const k = Array.from({ length: n }, (_, j) => j).find((j) => want.detections[j * 6 + 5] === got[r]![5] && [0, 1, 2, 3].every((c) => Math.abs(want.detections[j * 6 + c]! - got[r]![c]!) <= 1))!;
      const v = iou(masks.data.slice(r * hw, (r + 1) * hw), want.masks!.data.subarray(k * hw, (k + 1) * hw));
      assert.ok(v >= 0.99, `mask ${r}: IoU ${v}`);
      assert.equal(state.result.maskAreas[r], masks.data.slice(r * hw, (r + 1) * hw).reduce((a: number, b: number) => a + b, 0));
    }

    // The canvas: masks blended as drawMasks does, wherever no box edge or label tag is drawn over them.
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('canvas') as HTMLCanvasElement;
      return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
    });
    const expected = image.data.slice();
    drawMasks({ data: expected, width: w, height: h }, got.map((d, r) => ({ classId: d[5]!, mask: Uint8Array.from(masks.data.slice(r * hw, (r + 1) * hw)) })));
    const covered = (x: number, y: number) => got.some(([x1, y1, x2, y2]) => {
      const nearEdge = (Math.abs(x - x1!) <= 2 || Math.abs(x - x2!) <= 2) && y >= y1! - 2 && y <= y2! + 2 || (Math.abs(y - y1!) <= 2 || Math.abs(y - y2!) <= 2) && x >= x1! - 2 && x <= x2! + 2;
      const label = x >= x1! - 2 && x <= x1! + 120 && y >= y1! - 20 && y <= y1! + 20;
      return nearEdge || label;
    });
    let compared = 0;
    let changed = 0;
    for (let p = 0; p < hw; p++) {
      let inside = false;
      for (let r = 0; r < n && !inside; r++) inside = masks.data[r * hw + p] === 1;
      if (!inside || covered(p % w, Math.floor(p / w))) continue;
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(canvas[p * 4 + c]! - expected[p * 3 + c]!) <= 1, `pixel (${p % w}, ${Math.floor(p / w)}) channel ${c}: canvas ${canvas[p * 4 + c]}, drawMasks ${expected[p * 3 + c]}`);
      compared++;
      if ([0, 1, 2].some((c) => expected[p * 3 + c] !== image.data[p * 3 + c])) changed++;
    }
    assert.ok(compared >= 500 && changed >= 0.9 * compared, `${compared} mask pixels compared, ${changed} coloured`);
    console.log(`browser seg: ${n} detections, ${compared} mask pixels on the canvas equal drawMasks'; inference ${state.result.timesMs.inference.toFixed(1)} ms, masks ${state.result.timesMs.masks?.toFixed(1)} ms`);
  } finally {
    await browser.close();
    await server.close();
  }
});
