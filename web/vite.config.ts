// Vite config of the browser demo (`npm run web`): a static page in .tsyolo/web-dist, served with the
// cross-origin-isolation headers that let onnxruntime-web use wasm threads (SharedArrayBuffer).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: webRoot,
  base: './',
  // The page imports the same src/deploy, src/data and src/eval modules as Node.
  server: { headers: isolation, fs: { allow: [repoRoot] } },
  preview: { headers: isolation },
  resolve: {
    // onnxruntime-web's build that loads its wasm glue (.mjs) and binary from URLs we give (local assets).
    conditions: ['onnxruntime-web-use-extern-wasm'],
  },
  build: {
    outDir: fileURLToPath(new URL('../.tsyolo/web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});
