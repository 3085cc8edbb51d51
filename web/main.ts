// The browser demo, built on the `tsyolo/web` entry (src/web.ts): onnxruntime-web runs an exported model through
// the same letterbox → model → NMS → scale TypeScript as Node. A first visit runs the bundled sample model on the
// sample image; `?model=URL` runs that model on it instead. Webcam runs the same detector live on camera frames.
// A segmentation export's masks are blended under its boxes (drawMasks). window.tsyolo exposes the last results
// for tests (window.tsyoloMasks the last masks).
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import glueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { type Detector, drawMasks, loadDetector, onnxEnv, toDetections, toRgbImage, type MaskStack, type WebImageInput, type WebModelSource } from '../src/web.ts';
import type { DetectImageResult } from '../src/deploy/pipeline.ts';
import type { OnnxBackend } from '../src/deploy/onnx-backend.ts';
import { DetectionRows } from '../src/geometry/rows.ts';
import { closeCamera, onNewFrames, openCamera } from './camera.ts';
import { drawDetections } from './draw.ts';
import { type FrameStats, LatestFrameScheduler } from './latest-frame-scheduler.ts';
// The bundled sample: an MNIST digit scene like those `tsyolo data digits` writes, and the digits model the demo
// trains (web/make-sample-model.ts).
import sampleUrl from './sample.png?url';
import sampleModelUrl from './sample-model.onnx?url';

// The wasm runtime comes from the local onnxruntime-web package (bundled as assets), never from a CDN. Threads
// need SharedArrayBuffer, which browsers only give cross-origin-isolated pages (COOP/COEP headers).
onnxEnv.wasm.wasmPaths = { wasm: wasmUrl, mjs: glueUrl };
onnxEnv.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

interface ShownResult {
  detections: number[][];
  /** A segmentation model's mask areas (pixels per detection, in order); absent for a detection model. */
  maskAreas?: number[];
  inputHW: [number, number];
  timesMs: DetectImageResult['timesMs'];
  imageHW: [number, number];
}
interface WebcamState extends Partial<FrameStats> {
  running: boolean;
  /** readyState of each camera track ('live', then 'ended' once stopped). */
  tracks: string[];
  /** The last camera frame's detections. */
  result?: ShownResult;
}
interface PageState {
  ready: boolean;
  modelName?: string;
  threads: number;
  crossOriginIsolated: boolean;
  result?: ShownResult;
  webcam: WebcamState;
  error?: string;
}
const state: PageState = {
  ready: true,
  threads: onnxEnv.wasm.numThreads ?? 1,
  crossOriginIsolated: self.crossOriginIsolated,
  webcam: { running: false, tracks: [] },
};
(window as unknown as { tsyolo: PageState }).tsyolo = state;
// The last result's masks (n, h, w), kept out of `state` (which tests read as JSON) for tests to read pixel by pixel.
const lastMasks = { masks: null as MaskStack | null };
(window as unknown as { tsyoloMasks: typeof lastMasks }).tsyoloMasks = lastMasks;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);
let detector: Detector<WebImageInput> | null = null;

async function useModel(source: WebModelSource, name: string): Promise<void> {
  await stopWebcam();
  status(`loading ${name}…`);
  await detector?.dispose();
  detector = null;
  detector = await loadDetector(source);
  const info = (detector.backend as OnnxBackend).info;
  state.modelName = name;
  const seg = info.protos ? `, segmentation (${info.protos.nm} mask coefficients)` : '';
  status(`${name}: input ${info.inputShape.join('×')}, ${info.names.length} classes${seg}, ${state.threads} wasm thread(s)${state.crossOriginIsolated ? ' (cross-origin isolated)' : ''}`);
}

const detectOptions = () => ({
  imgsz: Number($<HTMLInputElement>('imgsz').value) || 640,
  conf: Number($<HTMLInputElement>('conf').value),
  iou: Number($<HTMLInputElement>('iou').value),
});

/** Draws `picture` with its masks (a -seg model) and boxes on the page's canvas, lists them, and returns them for window.tsyolo. */
function show(picture: CanvasImageSource, image: { width: number; height: number }, r: DetectImageResult, names: readonly string[]): ShownResult {
  const canvas = $<HTMLCanvasElement>('canvas');
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(picture, 0, 0);
  lastMasks.masks = r.masks ?? null;
  if (r.masks?.n) {
    // Annotator.masks' blend on the canvas's pixels: each mask in its class's colour at α 0.5, under the boxes.
    const pixels = ctx.getImageData(0, 0, image.width, image.height);
    drawMasks(pixels, toDetections(r.detections, names, r.masks));
    ctx.putImageData(pixels, 0, 0);
  }
  drawDetections(ctx, r.detections, names, Math.max(1, Math.round((image.width + image.height) / 2 * 0.003)));
  const det = new DetectionRows(r.detections);
  const rows = Array.from({ length: det.length }, (_, k) => Array.from(det.row(k)));
  const maskAreas = r.masks ? Array.from({ length: r.masks.n }, (_, k) => areaOf(r.masks!, k)) : undefined;
  $('detections').textContent = rows.map((d, k) => `${names[d[5]!] ?? d[5]} ${d[4]!.toFixed(3)} [${d.slice(0, 4).join(', ')}]${maskAreas ? ` mask ${maskAreas[k]} px` : ''}`).join('\n');
  return { detections: rows, maskAreas, inputHW: r.inputHW, timesMs: r.timesMs, imageHW: [image.height, image.width] };
}

/** Pixels inside mask k. */
function areaOf(masks: MaskStack, k: number): number {
  const hw = masks.height * masks.width;
  let n = 0;
  for (let i = k * hw; i < (k + 1) * hw; i++) n += masks.data[i]!;
  return n;
}

const needModel = (): Detector<WebImageInput> => {
  if (!detector) throw new Error('load a model first: no model is loaded (it is still loading, or loading it failed)');
  return detector;
};

async function run(blob: Blob): Promise<void> {
  await stopWebcam();
  const det = needModel();
  const image = await toRgbImage(blob);
  const r = await det.detectRows(image, detectOptions());
  const bitmap = await createImageBitmap(blob);
  state.result = show(bitmap, image, r, det.names);
  bitmap.close();
  status(`${state.result.detections.length} detections, ${r.timesMs.inference.toFixed(1)} ms inference (${r.inputHW.join('×')}), ${r.timesMs.preprocess.toFixed(1)} ms pre-process, ${r.timesMs.nms.toFixed(1)} ms NMS`);
}

// Live webcam: each step snapshots the video's current frame, detects on it and draws that same frame with its
// boxes, so boxes never lag the picture under them; the scheduler drops frames that come during a step.
const video = $<HTMLVideoElement>('video');
let webcam: { scheduler: LatestFrameScheduler; stopFrames: () => void; stream: MediaStream } | null = null;

const fmt = (x: number | undefined, digits: number) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

function showWebcamStats(): void {
  const w = state.webcam;
  const size = w.result ? `${w.result.imageHW[1]}×${w.result.imageHW[0]}` : '';
  const pipe = w.result?.timesMs;
  $('webcam-stats').textContent = w.running || w.processed
    ? `webcam ${size}: ${fmt(w.fps, 1)} fps, ${fmt(w.frameMs, 1)} ms/frame (inference ${fmt(pipe?.inference, 1)} ms), ` +
      `${w.processed ?? 0} frames processed, ${w.dropped ?? 0} dropped${w.running ? '' : ' — stopped'}`
    : '';
}

async function webcamStep(): Promise<void> {
  const det = needModel();
  const frame = await createImageBitmap(video);
  try {
    const image = await toRgbImage(frame);
    const r = await det.detectRows(image, detectOptions());
    state.webcam.result = show(frame, image, r, det.names);
  } finally {
    frame.close();
  }
}

async function startWebcam(): Promise<void> {
  if (webcam) return;
  needModel();
  status('opening the camera…');
  const stream = await openCamera(video);
  const scheduler = new LatestFrameScheduler(webcamStep, {
    onError: (e) => void failWebcam(e),
    onStepDone: (stats) => {
      Object.assign(state.webcam, stats);
      showWebcamStats();
    },
  });
  webcam = { scheduler, stream, stopFrames: onNewFrames(video, (n) => scheduler.frameArrived(n)) };
  for (const track of stream.getTracks()) track.addEventListener('ended', () => void failWebcam(new Error('the camera stopped (unplugged, or taken by another application)')));
  state.webcam = { running: true, tracks: stream.getTracks().map((t) => t.readyState) };
  $<HTMLButtonElement>('webcam-stop').disabled = false;
  $<HTMLButtonElement>('webcam-start').disabled = true;
  status(`webcam ${video.videoWidth}×${video.videoHeight} on ${state.modelName}`);
}

/** Stops the frames, waits for the step in flight, then releases the camera. */
async function stopWebcam(): Promise<void> {
  const w = webcam;
  if (!w) return;
  webcam = null;
  w.stopFrames();
  await w.scheduler.stop();
  closeCamera(video);
  Object.assign(state.webcam, w.scheduler.stats, { running: false, tracks: w.stream.getTracks().map((t) => t.readyState) });
  showWebcamStats();
  $<HTMLButtonElement>('webcam-stop').disabled = true;
  $<HTMLButtonElement>('webcam-start').disabled = false;
}

async function failWebcam(e: Error): Promise<void> {
  await stopWebcam();
  state.error = `webcam: ${e.message}`;
  status(`error: ${state.error}`);
}

const runSample = async () => run(await (await fetch(sampleUrl)).blob());

function guarded(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    state.ready = false;
    state.error = undefined;
    try {
      await fn();
    } catch (e) {
      state.error = (e as Error).message;
      status(`error: ${(e as Error).message}`);
    } finally {
      state.ready = true;
    }
  };
}

$<HTMLInputElement>('model-file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void guarded(() => useModel(f, f.name))();
});
$<HTMLInputElement>('image-file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void guarded(() => run(f))();
});
$('sample').addEventListener('click', () => void guarded(runSample)());
$('webcam-start').addEventListener('click', () => void guarded(startWebcam)());
$('webcam-stop').addEventListener('click', () => void guarded(async () => {
  await stopWebcam();
  status('webcam stopped, camera released');
})());

const modelParam = new URLSearchParams(location.search).get('model');
void guarded(async () => {
  await useModel(modelParam ?? sampleModelUrl, modelParam ?? 'sample-model.onnx (digits)');
  await runSample();
})();
