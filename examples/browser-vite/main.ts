// A minimal page on tsyolo/web: an exported ONNX model runs on onnxruntime-web (WebAssembly) in the page, through the
// same letterbox → model → NMS code as Node. Choose a model and an image; the boxes are drawn on a canvas (and, for a
// segmentation model exported from a -seg checkpoint, its masks under them).
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import glueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { type Detection, type Detector, drawMasks, loadDetector, onnxEnv, type WebImageInput } from 'tsyolo/web';

// onnxruntime-web loads its wasm binary and glue from these URLs, which Vite serves from your bundle (no CDN).
onnxEnv.wasm.wasmPaths = { wasm: wasmUrl, mjs: glueUrl };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);
let detector: Detector<WebImageInput> | null = null;

async function useModel(source: string | Blob, name: string): Promise<void> {
  status(`loading ${name}…`);
  await detector?.dispose();
  const conf = Number(new URLSearchParams(location.search).get('conf') ?? 0.25); // ?conf= sets the threshold
  detector = await loadDetector(source, { conf, iou: 0.45 });
  status(`${name}: ${detector.names.length} classes${detector.segmentation ? ', segmentation' : ''} — now choose an image`);
}

function draw(image: ImageBitmap, found: Detection[]): void {
  const canvas = $<HTMLCanvasElement>('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0);
  if (found.some((d) => d.mask)) {
    // A -seg model: each detection's mask (the image's size) blended in its class colour, as YOLOv5 draws them.
    const pixels = ctx.getImageData(0, 0, image.width, image.height);
    drawMasks(pixels, found);
    ctx.putImageData(pixels, 0, 0);
  }
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
    // Masks are listed by their area (pixels inside) rather than pixel by pixel.
    const listed = found.map(({ mask, ...d }) => (mask ? { ...d, maskArea: mask.reduce((a, v) => a + v, 0) } : d));
    $('detections').textContent = JSON.stringify(listed, null, 1);
    status(`${file.name}: ${found.length} detection(s) in ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (err) {
    status(String(err));
  }
});

const modelUrl = new URLSearchParams(location.search).get('model');
if (modelUrl) await useModel(modelUrl, modelUrl).catch((err: unknown) => status(String(err)));
