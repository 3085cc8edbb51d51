// The browser demo, built on the `tsyolo/web` entry (src/web.ts): onnxruntime-web runs an exported model through
// the same letterbox → model → NMS → scale TypeScript as Node. A first visit runs the bundled sample model on the
// sample image; `?model=URL` runs that model on it instead. window.tsyolo exposes the last result for tests.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import glueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { type Detector, loadDetector, onnxEnv, toRgbImage, type WebImageInput, type WebModelSource } from '../src/web.ts';
import type { DetectImageResult } from '../src/deploy/pipeline.ts';
import type { OnnxBackend } from '../src/deploy/onnx-backend.ts';
import { DetectionRows } from '../src/geometry/rows.ts';
import { drawDetections } from './draw.ts';
// The bundled sample: an MNIST digit scene like those `tsyolo data digits` writes, and the digits model the demo
// trains (web/make-sample-model.ts).
import sampleUrl from './sample.png?url';
import sampleModelUrl from './sample-model.onnx?url';

// The wasm runtime comes from the local onnxruntime-web package (bundled as assets), never from a CDN. Threads
// need SharedArrayBuffer, which browsers only give cross-origin-isolated pages (COOP/COEP headers).
onnxEnv.wasm.wasmPaths = { wasm: wasmUrl, mjs: glueUrl };
onnxEnv.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

interface PageState {
  ready: boolean;
  modelName?: string;
  threads: number;
  crossOriginIsolated: boolean;
  result?: { detections: number[][]; inputHW: [number, number]; timesMs: DetectImageResult['timesMs']; imageHW: [number, number] };
  error?: string;
}
const state: PageState = { ready: true, threads: onnxEnv.wasm.numThreads ?? 1, crossOriginIsolated: self.crossOriginIsolated };
(window as unknown as { tsyolo: PageState }).tsyolo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);
let detector: Detector<WebImageInput> | null = null;

async function useModel(source: WebModelSource, name: string): Promise<void> {
  status(`loading ${name}…`);
  await detector?.dispose();
  detector = null;
  detector = await loadDetector(source);
  const info = (detector.backend as OnnxBackend).info;
  state.modelName = name;
  status(`${name}: input ${info.inputShape.join('×')}, ${info.names.length} classes, ${state.threads} wasm thread(s)${state.crossOriginIsolated ? ' (cross-origin isolated)' : ''}`);
}

async function run(blob: Blob): Promise<void> {
  if (!detector) throw new Error('load a model first');
  const image = await toRgbImage(blob);
  const r = await detector.detectRows(image, {
    imgsz: Number($<HTMLInputElement>('imgsz').value) || 640,
    conf: Number($<HTMLInputElement>('conf').value),
    iou: Number($<HTMLInputElement>('iou').value),
  });
  const canvas = $<HTMLCanvasElement>('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(await createImageBitmap(blob), 0, 0);
  drawDetections(ctx, r.detections, detector.names, Math.max(1, Math.round((image.width + image.height) / 2 * 0.003)));
  const det = new DetectionRows(r.detections);
  const rows = Array.from({ length: det.length }, (_, k) => Array.from(det.row(k)));
  state.result = { detections: rows, inputHW: r.inputHW, timesMs: r.timesMs, imageHW: [image.height, image.width] };
  $('detections').textContent = rows.map((d) => `${detector!.names[d[5]!] ?? d[5]} ${d[4]!.toFixed(3)} [${d.slice(0, 4).join(', ')}]`).join('\n');
  status(`${rows.length} detections, ${r.timesMs.inference.toFixed(1)} ms inference (${r.inputHW.join('×')}), ${r.timesMs.preprocess.toFixed(1)} ms pre-process, ${r.timesMs.nms.toFixed(1)} ms NMS`);
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

const modelParam = new URLSearchParams(location.search).get('model');
void guarded(async () => {
  await useModel(modelParam ?? sampleModelUrl, modelParam ?? 'sample-model.onnx (digits)');
  await runSample();
})();
