// A minimal page on tsyolo/web: an exported ONNX model runs on onnxruntime-web (WebAssembly) in the page, through the
// same letterbox → model → NMS code as Node. Choose a model and an image; the boxes are drawn on a canvas.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import glueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { type Detection, type Detector, loadDetector, onnxEnv, type WebImageInput } from 'tsyolo/web';

// onnxruntime-web loads its wasm binary and glue from these URLs, which Vite serves from your bundle (no CDN).
onnxEnv.wasm.wasmPaths = { wasm: wasmUrl, mjs: glueUrl };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);
let detector: Detector<WebImageInput> | null = null;

async function useModel(source: string | Blob, name: string): Promise<void> {
  status(`loading ${name}…`);
  await detector?.dispose();
  detector = await loadDetector(source, { conf: 0.25, iou: 0.45 });
  status(`${name}: ${detector.names.length} classes — now choose an image`);
}

function draw(image: ImageBitmap, found: Detection[]): void {
  const canvas = $<HTMLCanvasElement>('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0);
  ctx.lineWidth = 2;
  ctx.font = '14px sans-serif';
  for (const { box, label, score } of found) {
    ctx.strokeStyle = ctx.fillStyle = '#ff3838';
    ctx.strokeRect(box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1);
    ctx.fillText(`${label} ${score.toFixed(2)}`, box.x1 + 2, Math.max(12, box.y1 - 4));
  }
}

$<HTMLInputElement>('model').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) await useModel(file, file.name).catch((err: unknown) => status(String(err)));
});

$<HTMLInputElement>('image').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  if (!detector) return status('choose a model first');
  try {
    const image = await createImageBitmap(file);
    const t0 = performance.now();
    const found = await detector.detect(image); // also ImageData, an <img>, a canvas, a <video> frame, a Blob
    draw(image, found);
    $('detections').textContent = JSON.stringify(found, null, 1);
    status(`${file.name}: ${found.length} detection(s) in ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (err) {
    status(String(err));
  }
});

const modelUrl = new URLSearchParams(location.search).get('model');
if (modelUrl) await useModel(modelUrl, modelUrl).catch((err: unknown) => status(String(err)));
