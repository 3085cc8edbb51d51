// Vite config of the example page. Two settings matter for tsyolo/web:
// - onnxruntime-web's build that loads its wasm glue (.mjs) and binary from the URLs main.ts gives
//   (the `onnxruntime-web-use-extern-wasm` condition);
// - the cross-origin-isolation headers, without which onnxruntime-web runs single-threaded.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Inside the tsyolo repository the example uses its sources; in your project 'tsyolo/web' comes from node_modules.
const checkoutSource = fileURLToPath(new URL('../../src/web.ts', import.meta.url));
const inCheckout = existsSync(checkoutSource);
const alias: Record<string, string> = inCheckout ? { 'tsyolo/web': checkoutSource } : {};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias, conditions: ['onnxruntime-web-use-extern-wasm'] },
  server: { headers: isolation, ...(inCheckout ? { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } } : {}) },
  preview: { headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
