// npm run bench:deploy — forward latency at 320 and 640 (batch 1) of yolov5s-shufflenetv2 and yolov5s: libtorch
// (fused, eval, no grad) beside onnxruntime-node on the exported model, both with the same intra-op threads, in one
// run; then the per-image inference time of the browser demo (onnxruntime-web wasm in headless Chromium).
// Writes bench/results/deploy.json. A benchmark, not a test: numbers vary with machine load.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxModel } from '../src/deploy/onnx-model.ts';
import { exportOnnx } from '../src/export/export-onnx.ts';
import { noGrad, rand, setNumThreads, tidy } from '../src/tensor/index.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { describeMachine } from './machine.ts';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const iters = Number(process.env.BENCH_ITERS ?? 10);
const browserRuns = Number(process.env.BENCH_BROWSER_RUNS ?? 3);
setNumThreads(threads);
const work = mkdtempSync(join(tmpdir(), 'tsyolo-bench-deploy-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timeIt(fn: () => unknown, n: number): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < n + 2; k++) {
    const t0 = performance.now();
    await fn();
    if (k >= 2) times.push(performance.now() - t0);
  }
  return median(times);
}

interface Row {
  model: string;
  img: number;
  libtorchMs: number;
  onnxruntimeMs: number;
  ratio: number;
  browserMs?: number;
}

const rows: Row[] = [];
const exported: { model: string; img: number; file: string }[] = [];
for (const cfg of ['yolov5s-shufflenetv2.yaml', 'yolov5s.yaml']) {
  for (const img of [320, 640]) {
    const { model } = loadModel(cfg);
    model.fuse().eval();
    const file = join(work, `${cfg.replace('.yaml', '')}-${img}.onnx`);
    writeFileSync(file, exportOnnx(model, { imgsz: img }).bytes);
    exported.push({ model: cfg, img, file });
    const x = rand([1, 3, img, img]);
    const input = x.toFloat32Array();
    const libtorchMs = await timeIt(() => noGrad(() => tidy(() => void model.forward(x))), iters);
    x.dispose();
    model.dispose();
    const onnx = await OnnxModel.load(file, { threads });
    const onnxruntimeMs = await timeIt(() => onnx.forward(input, [1, 3, img, img]), iters);
    await onnx.dispose();
    const row = { model: cfg, img, libtorchMs, onnxruntimeMs, ratio: onnxruntimeMs / libtorchMs };
    rows.push(row);
    console.log(`${cfg} ${img}: libtorch ${libtorchMs.toFixed(1)} ms, onnxruntime ${onnxruntimeMs.toFixed(1)} ms (${row.ratio.toFixed(2)}×)`);
  }
}

/** Per-image inference in the demo page: median of the runs after the first (warm-up). */
async function browserTimes(): Promise<string | null> {
  if (!existsSync('/usr/bin/chromium')) return 'skipped: /usr/bin/chromium is missing';
  const { chromium } = await import('playwright-core');
  const { build, preview } = await import('vite');
  const configFile = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url));
  const outDir = join(work, 'dist');
  await build({ configFile, logLevel: 'error', build: { outDir } });
  const server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (const e of exported) {
      const page = await browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.setInputFiles('#model-file', e.file);
      await page.waitForFunction(() => (window as any).tsyolo?.modelName || (window as any).tsyolo?.error, null, { timeout: 120_000 });
      const times: number[] = [];
      for (let k = 0; k < browserRuns + 1; k++) {
        await page.evaluate(() => ((window as any).tsyolo.result = undefined));
        await page.click('#sample');
        await page.waitForFunction(() => (window as any).tsyolo?.ready && ((window as any).tsyolo.result || (window as any).tsyolo.error), null, { timeout: 120_000 });
        const ms = await page.evaluate(() => (window as any).tsyolo.result?.timesMs?.inference as number);
        if (k > 0) times.push(ms);
      }
      const threadsUsed = await page.evaluate(() => (window as any).tsyolo.threads as number);
      const row = rows.find((r) => r.model === e.model && r.img === e.img)!;
      row.browserMs = median(times);
      console.log(`${e.model} ${e.img}: browser (wasm, ${threadsUsed} threads) ${row.browserMs.toFixed(1)} ms`);
      await page.close();
    }
    return null;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

const browserNote = await browserTimes();
const machine = describeMachine();
const result = {
  description: 'batch-1 forward latency (median ms): libtorch fused eval no-grad vs onnxruntime-node on the tsyolo ONNX export; browser = onnxruntime-web wasm per-image inference in headless Chromium',
  threads,
  iters,
  goal: 'onnxruntime ≤ 0.6× libtorch',
  rows,
  ...(browserNote ? { browser: browserNote } : {}),
  machine,
};
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'deploy.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`written ${join(outDir, 'deploy.json')}`);
