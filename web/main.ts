// The browser demo: onnxruntime-web runs an exported model; pre- and post-processing are src/deploy's shared
// pipeline (the code the Node CLI runs). window.tsyolo exposes the last result for automated tests.
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import glueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import type { RgbImage } from '../src/data/image-buffer.ts';
import type { DetectorBackend, ModelOutput } from '../src/deploy/detector-backend.ts';
import { readOnnxModelInfo, type OnnxModelInfo } from '../src/deploy/model-metadata.ts';
import { detectImage, inputGeometry, type DetectImageResult } from '../src/deploy/pipeline.ts';
import { drawDetections } from './draw.ts';
// The bundled sample: an MNIST digit scene like those `tsyolo data digits` writes.
import sampleUrl from './sample.png?url';

// The wasm runtime comes from the local onnxruntime-web package (bundled as assets), never from a CDN. Threads
// need SharedArrayBuffer, which browsers only give cross-origin-isolated pages (COOP/COEP headers).
ort.env.wasm.wasmPaths = { wasm: wasmUrl, mjs: glueUrl };
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

class WebOnnxModel implements DetectorBackend {
  constructor(
    readonly info: OnnxModelInfo,
    private readonly session: ort.InferenceSession,
  ) {}
  get stride(): number {
    return this.info.stride;
  }
  get names(): string[] {
    return this.info.names;
  }
  async forward(input: Float32Array, shape: readonly number[]): Promise<ModelOutput> {
    const out = await this.session.run({ [this.info.inputName]: new ort.Tensor('float32', input, [...shape]) });
    const y = out[this.info.outputName]!;
    return { data: y.data as Float32Array, shape: [...y.dims] };
  }
}

interface PageState {
  ready: boolean;
  modelName?: string;
  threads: number;
  crossOriginIsolated: boolean;
  result?: { detections: number[][]; inputHW: [number, number]; timesMs: DetectImageResult['timesMs']; imageHW: [number, number] };
  error?: string;
}
const state: PageState = { ready: true, threads: ort.env.wasm.numThreads ?? 1, crossOriginIsolated: self.crossOriginIsolated };
(window as unknown as { tsyolo: PageState }).tsyolo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);
let model: WebOnnxModel | null = null;

async function loadModel(bytes: Uint8Array, name: string): Promise<void> {
  status(`loading ${name}…`);
  const info = readOnnxModelInfo(bytes, name);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  model = new WebOnnxModel(info, session);
  state.modelName = name;
  status(`${name}: input ${info.inputShape.join('×')}, ${info.names.length} classes, ${state.threads} wasm thread(s)${state.crossOriginIsolated ? ' (cross-origin isolated)' : ''}`);
}

/** Decodes an image file to RGB bytes without colour management, so pixels equal the file's (as sharp reads them). */
async function decode(blob: Blob): Promise<{ image: RgbImage; bitmap: ImageBitmap }> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const data = new Uint8Array(bitmap.width * bitmap.height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i]!;
    data[j + 1] = rgba[i + 1]!;
    data[j + 2] = rgba[i + 2]!;
  }
  return { image: { data, width: bitmap.width, height: bitmap.height }, bitmap };
}

async function run(blob: Blob): Promise<void> {
  if (!model) throw new Error('load a model first');
  const { image, bitmap } = await decode(blob);
  const { imgsz, auto } = inputGeometry(model.info.inputShape, Number($<HTMLInputElement>('imgsz').value) || 640);
  const r = await detectImage(model, image, {
    imgsz,
    auto,
    confThres: Number($<HTMLInputElement>('conf').value),
    iouThres: Number($<HTMLInputElement>('iou').value),
  });
  const canvas = $<HTMLCanvasElement>('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  drawDetections(ctx, r.detections, model.names, Math.max(1, Math.round((image.width + image.height) / 2 * 0.003)));
  const rows = Array.from({ length: r.detections.length / 6 }, (_, k) => Array.from(r.detections.subarray(k * 6, k * 6 + 6)));
  state.result = { detections: rows, inputHW: r.inputHW, timesMs: r.timesMs, imageHW: [image.height, image.width] };
  $('detections').textContent = rows.map((d) => `${model!.names[d[5]!] ?? d[5]} ${d[4]!.toFixed(3)} [${d.slice(0, 4).join(', ')}]`).join('\n');
  status(`${rows.length} detections, ${r.timesMs.inference.toFixed(1)} ms inference (${r.inputHW.join('×')}), ${r.timesMs.preprocess.toFixed(1)} ms pre-process, ${r.timesMs.nms.toFixed(1)} ms NMS`);
}

function guarded(fn: () => Promise<void>): () => void {
  return () => {
    state.ready = false;
    state.error = undefined;
    fn()
      .catch((e: Error) => {
        state.error = e.message;
        status(`error: ${e.message}`);
      })
      .finally(() => (state.ready = true));
  };
}

$<HTMLInputElement>('model-file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) guarded(async () => loadModel(new Uint8Array(await f.arrayBuffer()), f.name))();
});
$<HTMLInputElement>('image-file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) guarded(() => run(f))();
});
$('sample').addEventListener('click', guarded(async () => run(await (await fetch(sampleUrl)).blob())));

const modelParam = new URLSearchParams(location.search).get('model');
if (modelParam) {
  guarded(async () => {
    const res = await fetch(modelParam);
    if (!res.ok) throw new Error(`cannot fetch model ${modelParam}: HTTP ${res.status}`);
    await loadModel(new Uint8Array(await res.arrayBuffer()), modelParam);
  })();
}
