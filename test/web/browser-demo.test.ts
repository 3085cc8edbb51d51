// The browser demo end to end: Vite builds the page, its preview server (COOP/COEP) serves it on localhost,
// Debian's Chromium (headless, driven by playwright-core; harness in serve-page.ts) loads an exported model with onnxruntime-web, runs the
// bundled sample image, and the boxes equal onnxruntime-node's for the same model and image through the same
// TypeScript pipeline. A screenshot is saved in the test's temp folder (path printed).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { detectImage } from '../../src/deploy/pipeline.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadDetector as loadOnnxDetector } from '../../src/onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { assertSameDetections } from '../deploy/same-detections.ts';
import { launchChromium, servePage } from './serve-page.ts';

const sample = fileURLToPath(new URL('../../web/sample.png', import.meta.url));
const sampleModel = fileURLToPath(new URL('../../web/sample-model.onnx', import.meta.url));
const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
// The fixture weights are untrained: every score is ~1.6e-4 and thousands tie to 1e-9, where wasm's and the native
// kernels' last-bit differences reorder them. Above this threshold are the sample's top 4 boxes, 1e-7 above the
// rest; they are compared as a set (two of them are 2e-9 apart, so their order may differ).
const CONF = 0.0001686;

test('browser demo: Chromium + onnxruntime-web gives the same boxes as onnxruntime-node', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tsyolo-web-'));
  const { model } = loadModel(fixture('yolov5n-shufflenetv2.pt'));
  model.fuse().eval();
  const onnxFile = join(out, 'yolov5n-shufflenetv2.onnx');
  writeFileSync(onnxFile, exportOnnx(model, { imgsz: 320 }).bytes);
  model.dispose();

  const node = await OnnxModel.load(onnxFile, { threads: 2 });
  const expected = await detectImage(node, await decodeImage(sample), { imgsz: [320, 320], auto: false, confThres: CONF });
  await node.dispose();
  assert.ok(expected.detections.length / 6 === 4, 'the Node run finds the top boxes');

  const outDir = join(out, 'dist');
  const server = await servePage(outDir);
  const url = server.url;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(url);
    // A first visit runs the bundled sample model on the sample image by itself.
    await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    const firstVisit = await page.evaluate(() => (window as any).tsyolo);
    await page.fill('#conf', String(CONF));
    await page.setInputFiles('#model-file', onnxFile);
    await page.waitForFunction(() => (window as any).tsyolo?.modelName === 'yolov5n-shufflenetv2.onnx' || (window as any).tsyolo?.error, null, { timeout: 60_000 });
    await page.click('#sample');
    await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    const state = await page.evaluate(() => (window as any).tsyolo);
    const shot = join(out, 'browser-demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`browser demo screenshot: ${shot} (browser inference ${state.result?.timesMs?.inference?.toFixed(1)} ms)`);

    assert.equal(state.error, undefined, `page error: ${state.error}`);
    assert.equal(state.crossOriginIsolated, true, 'COOP/COEP headers make the page cross-origin isolated (wasm threads)');
    assert.deepEqual(external, [], 'everything (wasm included) loads from the local server');
    assert.deepEqual(state.result.inputHW, [320, 320]);
    const got: number[][] = state.result.detections;
    const want = Array.from({ length: expected.detections.length / 6 }, (_, k) => Array.from(expected.detections.subarray(k * 6, k * 6 + 6)));
    assert.equal(got.length, 4);
    assertSameDetections(got.flat(), expected.detections);

    // The first visit's detections equal tsyolo/onnx's for the shipped sample model.
    assert.equal(firstVisit.error, undefined, `first visit: ${firstVisit.error}`);
    assert.equal(firstVisit.modelName, 'sample-model.onnx (digits)');
    const sampleDetector = await loadOnnxDetector(sampleModel, { threads: 2 });
    const sampleRows = await sampleDetector.detectRows(await decodeImage(sample));
    await sampleDetector.dispose();
    assert.ok(sampleRows.detections.length / 6 >= 3, 'the sample model finds the digits');
    assertSameDetections((firstVisit.result.detections as number[][]).flat(), sampleRows.detections);

    // ?model=URL loads that model and runs the sample without a click.
    copyFileSync(onnxFile, join(outDir, 'given.onnx'));
    const page2 = await browser.newPage();
    await page2.goto(`${url}?model=given.onnx`);
    await page2.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    const given = await page2.evaluate(() => (window as any).tsyolo);
    assert.equal(given.error, undefined, `?model=: ${given.error}`);
    assert.equal(given.modelName, 'given.onnx');
    assert.deepEqual(given.result.inputHW, [320, 320]);
  } finally {
    await browser.close();
    await server.close();
  }
});
