// The page's live webcam in headless Chromium. The fake camera plays a y4m that ffmpeg makes from the bundled
// sample scene, so the detector's input is known: the webcam's detections must be the page's detections of the
// sample image itself (up to the camera's YUV 4:2:0 round trip); a screenshot goes beside the y4m (path printed).
// Then Stop must end the camera tracks; the same model exported with NMS inside must find the same digits; and a
// page without permission, without a camera or without a model must say so.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { launchChromium, servePage } from './serve-page.ts';

const sample = fileURLToPath(new URL('../../web/sample.png', import.meta.url));
// The weights of web/sample-model.onnx (web/make-sample-model.ts), exported again here with NMS inside the graph.
const digitsWeights = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
const NMS_MODEL = 'digits-nms.onnx';
const [SAMPLE_W, SAMPLE_H] = [320, 232];
const FRAMES = 5;
const FAKE_CAMERA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** Opens the page and waits (bounded) until its first-visit run on the sample image is done. */
async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
  return page;
}

const pageState = (page: Page) => page.evaluate(() => (window as any).tsyolo);

/** IoU of two x1, y1, x2, y2 boxes. */
function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const area = (r: number[]) => (r[2]! - r[0]!) * (r[3]! - r[1]!);
  return (w * h) / (area(a) + area(b) - w * h);
}

test('browser webcam: the fake camera playing the sample scene gives the sample image\'s detections; Stop ends the tracks', { timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tsyolo-webcam-'));
  // A still video of the sample scene; Chromium's fake camera loops it at the file's size and rate.
  const y4m = join(out, 'sample.y4m');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', sample, '-frames:v', '3', '-r', '15', '-pix_fmt', 'yuv420p', y4m]);
  const dist = join(out, 'dist');
  const server = await servePage(dist);
  // The sample model's export with NMS inside (export --nms at detect.py's defaults, which the page also uses).
  const { model } = loadModel(digitsWeights);
  writeFileSync(join(dist, NMS_MODEL), exportOnnx(model.fuse().eval(), { imgsz: 320, half: true, nms: { confThres: 0.25, iouThres: 0.45, maxDet: 1000, agnostic: false } }).bytes);
  model.dispose();
  try {
    await liveWebcam(server.url, y4m);
    await refusals(server.url);
  } finally {
    await server.close();
  }
});

async function liveWebcam(url: string, y4m: string): Promise<void> {
  const browser = await launchChromium([...FAKE_CAMERA, `--use-file-for-fake-video-capture=${y4m}`]);
  try {
    const page = await openPage(browser, url);
    const still = await pageState(page);
    assert.equal(still.error, undefined, `first visit: ${still.error}`);
    assert.ok(still.result.detections.length >= 3, 'the sample model finds the digits of the sample image');
    assert.deepEqual(still.webcam, { running: false, tracks: [] });

    const w = await runWebcam(page);
    assert.equal(w.running, true);
    assert.deepEqual(w.tracks, ['live'], 'one video track, no audio');
    assert.ok(w.processed >= FRAMES && w.arrived >= w.processed, `${w.processed} processed of ${w.arrived} frames`);
    assert.ok(Number.isFinite(w.fps) && w.fps > 0, `fps ${w.fps}`);
    assert.ok(Number.isFinite(w.frameMs) && w.frameMs > 0, `ms/frame ${w.frameMs}`);
    assert.ok(w.dropped >= 0 && w.dropped <= w.arrived - w.processed);
    // The detector ran on the camera's frames: the fake device's size, letterboxed like the still image.
    assert.deepEqual(w.result.imageHW, [SAMPLE_H, SAMPLE_W]);
    assert.deepEqual(w.result.inputHW, still.result.inputHW);
    const stats = await page.textContent('#webcam-stats');
    assert.match(stats!, new RegExp(`webcam ${SAMPLE_W}×${SAMPLE_H}: \\d+\\.\\d fps, \\d+\\.\\d ms/frame`));

    console.log(`webcam ${w.fps.toFixed(1)} fps, ${w.frameMs.toFixed(1)} ms/frame, ${w.processed} processed of ${w.arrived} camera frames`);
    assertSameDigits(w.result.detections, still.result.detections);

    const shot = join(dirname(y4m), 'webcam.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`webcam screenshot: ${shot}`);

    await page.click('#webcam-stop');
    await page.waitForFunction(() => !(window as any).tsyolo.webcam.running, null, { timeout: 30_000 });
    const stopped = await pageState(page);
    assert.equal(stopped.error, undefined);
    assert.deepEqual(stopped.webcam.tracks, ['ended'], 'Stop ends the camera track');
    assert.equal(await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).srcObject), null);
    await page.waitForTimeout(500);
    assert.equal((await pageState(page)).webcam.processed, stopped.webcam.processed, 'no frame is processed after Stop');
    assert.equal(await page.isEnabled('#webcam-start'), true);

    // A model with NMS inside goes through the same pipeline (which skips the JS NMS) and finds the same digits.
    await page.goto(`${url}?model=${NMS_MODEL}`);
    await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 60_000 });
    assert.equal((await pageState(page)).modelName, NMS_MODEL);
    const withNms = await runWebcam(page);
    assertSameDigits(withNms.result.detections, still.result.detections);
    await page.click('#webcam-stop');
    await page.waitForFunction(() => !(window as any).tsyolo.webcam.running, null, { timeout: 30_000 });
  } finally {
    await browser.close();
  }
}

/** Presses Webcam and waits (bounded) until FRAMES camera frames went through the detector; the webcam state then. */
async function runWebcam(page: Page): Promise<any> {
  await page.click('#webcam-start');
  await page.waitForFunction((n) => (window as any).tsyolo.webcam.processed >= n || (window as any).tsyolo.error, FRAMES, { timeout: 60_000 });
  const live = await pageState(page);
  assert.equal(live.error, undefined, `webcam: ${live.error}`);
  return live.webcam;
}

/** The camera found the still image's digits: each camera box has a partner of the same class (YUV 4:2:0 moves
 * pixels by a few levels, so boxes and scores are close, not bit-equal). */
function assertSameDigits(got: number[][], want: number[][]): void {
  const show = (rows: number[][]) => JSON.stringify(rows.map((r) => r.map((v) => +v.toFixed(3))));
  assert.equal(got.length, want.length, `${got.length} detections on camera frames vs ${want.length} on the still image: ${show(got)} vs ${show(want)}`);
  const used = new Set<number>();
  for (const g of got) {
    const k = want.findIndex((s, i) => !used.has(i) && s[5] === g[5] && iou(s, g) > 0.9 && Math.abs(s[4]! - g[4]!) < 0.05);
    assert.ok(k >= 0, `camera detection [${g.join(', ')}] matches none of the still image's ${show(want)}`);
    used.add(k);
  }
}

/** Refusals are shown in the page, and the camera is never opened without a model. */
async function refusals(url: string): Promise<void> {
  const cases: Array<{ flags: string[]; query: string; error: RegExp }> = [
    { flags: ['--use-fake-device-for-media-stream'], query: '', error: /camera permission denied/ },
    { flags: [], query: '', error: /no camera found/ },
    { flags: FAKE_CAMERA, query: '?model=missing.onnx', error: /load a model first/ },
  ];
  for (const c of cases) {
    const browser = await launchChromium(c.flags);
    try {
      const page = await openPage(browser, url + c.query);
      await page.click('#webcam-start');
      await page.waitForFunction(() => (window as any).tsyolo.ready && (window as any).tsyolo.error, null, { timeout: 30_000 });
      const s = await pageState(page);
      assert.match(s.error, c.error);
      assert.match((await page.textContent('#status'))!, c.error, 'the error is shown in the page');
      assert.equal(s.webcam.running, false);
      assert.deepEqual(s.webcam.tracks, []);
    } finally {
      await browser.close();
    }
  }
}
