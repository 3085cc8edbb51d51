#!/usr/bin/env node
// tsyolo's install step, run by npm in the project that installs the package (as sharp and onnxruntime-node do):
// builds the libtorch addon with node-gyp when a libtorch is found (and the OpenCV image addon when OpenCV is), otherwise prints one line on how to get one and
// succeeds, so that ONNX-only use (tsyolo/onnx) works without it. Never a nested `npm install`. In a git checkout
// it does nothing: the repository's own set-up (scripts/setup.mjs) builds the addon there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildAddon, buildImageAddon, packageRoot } from './build-addon.mjs';
import { LIBTORCH_HINT, findLibtorch } from './find-libtorch.mjs';
import { OPENCV_HINT, findOpencv } from './find-opencv.mjs';
import { keepOnnxruntimeCpuOnly } from './onnxruntime-cpu-only.mjs';

const log = (msg) => console.log(`tsyolo: ${msg}`);

if (existsSync(join(packageRoot, 'src'))) process.exit(0);

keepOnnxruntimeCpuOnly(packageRoot);

// The image addon (OpenCV pixel ops for the data loader) is optional and independent of libtorch.
const opencv = findOpencv();
if (!opencv) log(`OpenCV not found, so the data loader uses its TypeScript pixel ports (slower): ${OPENCV_HINT}, then run \`npm rebuild tsyolo\``);
else {
  try {
    buildImageAddon(opencv, log);
  } catch (e) {
    log(`${e.message}; the image addon is not built (the data loader uses its TypeScript pixel ports)`);
  }
}

let libtorch = null;
try {
  libtorch = findLibtorch();
} catch (e) {
  log(`${e.message}; the libtorch engine is not built (ONNX-only use works)`);
  process.exit(0);
}
if (!libtorch) {
  log(`libtorch not found, so the libtorch engine is not built (ONNX-only use works): ${LIBTORCH_HINT}, then run \`npm rebuild tsyolo\``);
  process.exit(0);
}
try {
  buildAddon(libtorch, log);
} catch (e) {
  log(`${e.message}; the libtorch engine is not built (ONNX-only use works)`);
}
