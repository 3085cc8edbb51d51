// Makes web/sample-model.onnx, the model a first visit of the page runs: the digits detector that the demo trained
// (test/fixtures/digits-n-shufflenetv2.safetensors), fused and exported at 320 px with float16 weights.
// Run: node --import tsx web/make-sample-model.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exportOnnx } from '../src/export/export-onnx.ts';
import { loadModel } from '../src/yolo/load-model.ts';

const weights = fileURLToPath(new URL('../test/fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
const out = fileURLToPath(new URL('./sample-model.onnx', import.meta.url));
const { model } = loadModel(weights);
const { bytes } = exportOnnx(model.fuse().eval(), { imgsz: 320, half: true });
writeFileSync(out, bytes);
console.log(`${out}: ${(bytes.length / 1e6).toFixed(2)} MB`);
