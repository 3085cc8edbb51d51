// examples/ as a user runs them, and the guide's TypeScript:
// - examples/ and every ```ts typecheck block of README.md and docs/ compile under `tsc --strict` (one program:
//   examples/tsconfig.json, where 'tsyolo', 'tsyolo/onnx' and 'tsyolo/web' are this checkout's sources);
// - train-custom writes its dataset, trains one epoch on 12 scenes at 64 px and detects;
// - node-server starts on port 0, answers a posted image with the detections tsyolo/onnx gives for it, refuses a
//   body that is not an image, and stops on SIGTERM;
// - browser-vite builds with Vite, and headless Chromium runs its page on the sample model and image with the
//   boxes onnxruntime-node gives, and on a -seg export with its masks' areas.
// (examples/plugin-cbam is tested by test/cli/plugins.test.ts.)
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import type { Detection } from '../../src/deploy/detector.ts';
import { loadDetector as loadOnnxDetector } from '../../src/onnx.ts';
import { assertSameDetections } from '../deploy/same-detections.ts';
import { codeBlocks, docFiles, REPO, where } from './markdown.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-examples-'));
after(() => rmSync(work, { recursive: true, force: true }));
const sample = join(REPO, 'web', 'sample.png');
const sampleModel = join(REPO, 'web', 'sample-model.onnx');
const rows = (ds: Detection[]) => ds.flatMap((d) => [d.box.x1, d.box.y1, d.box.x2, d.box.y2, d.score, d.classId]);

test('examples/ and the ```ts typecheck blocks of the README and docs compile under tsc --strict', { timeout: 600_000 }, () => {
  const dir = join(REPO, '.tsyolo', 'docs-snippets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const snippets = new Map<string, string>();
  for (const b of docFiles().flatMap((f) => codeBlocks(f)).filter((b) => b.lang === 'ts' && b.tags.includes('typecheck'))) {
    const name = `${b.file.replace(/[/.]/g, '_')}_${b.line}.ts`;
    writeFileSync(join(dir, name), b.text + '\n');
    snippets.set(name, where(b));
  }
  assert.ok([...snippets.values()].some((w) => w.startsWith('README.md:')), 'the README has a ```ts typecheck block');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../examples/tsconfig.json', include: ['.', '../../examples'] }, null, 1));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--listFiles', '-p', join(dir, 'tsconfig.json')], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Errors point at the Markdown: `.tsyolo/docs-snippets/docs_train_md_12.ts(3,5)` → `docs/train.md:12 (line 3 of the block)`.
  const errors = r.stdout
    .split('\n')
    .filter((l) => /error TS\d+/.test(l))
    .map((l) => l.replace(/^.*docs-snippets\/([\w.]+\.ts)\((\d+),\d+\)/, (_, f: string, line: string) => `${snippets.get(f)} (line ${line} of the block)`));
  assert.deepEqual(errors, []);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const listed = r.stdout.split('\n');
  for (const name of snippets.keys()) assert.ok(listed.some((l) => l.endsWith(`docs-snippets/${name}`)), `${name} was compiled`);
  const examples = ['train-custom/train.ts', 'node-server/server.ts', 'browser-vite/main.ts', 'browser-vite/vite.config.ts', 'plugin-cbam/cbam.ts'];
  for (const e of examples) assert.ok(listed.some((l) => l.endsWith(`examples/${e}`)), `examples/${e} was compiled`);
  console.log(`type-checked ${snippets.size} doc snippets and ${examples.length} example files`);
});

test('examples/train-custom: writes a YOLO dataset, trains one epoch, detects with the best weights', { timeout: 300_000 }, async () => {
  const out = join(work, 'shapes');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/train-custom/train.ts', '--out', out, '--images', '12', '--epochs', '1', '--img', '64', '--workers', '0'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
  assert.match(r.stdout, /dataset: 12 train \+ 4 val scenes of 64 px/);
  assert.match(r.stdout, /trained 1 epoch\(s\): mAP50 \d\.\d{3}, best weights .*best\.safetensors/);
  assert.match(r.stdout, /images\/val\/00000\.png: \d+ detection\(s\)/);

  for (const [split, n] of [['train', 12], ['val', 4]] as const) {
    const images = readdirSync(join(out, 'images', split)).sort();
    assert.equal(images.length, n);
    const meta = await sharp(join(out, 'images', split, images[0]!)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 64, 64]);
    for (const img of images) {
      const lines = readFileSync(join(out, 'labels', split, img.replace('.png', '.txt')), 'utf8').trim().split('\n');
      assert.ok(lines.length >= 1 && lines.length <= 3);
      for (const line of lines) {
        const [cls, ...xywh] = line.split(' ').map(Number);
        assert.ok(cls === 0 || cls === 1, line);
        const [cx, cy, w, h] = xywh as [number, number, number, number];
        assert.ok(w > 0 && h > 0 && cx - w / 2 >= 0 && cy - h / 2 >= 0 && cx + w / 2 <= 1 + 1e-6 && cy + h / 2 <= 1 + 1e-6, line);
      }
    }
  }
  const csv = readFileSync(join(out, 'runs', 'train', 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 2, 'a header and one epoch');
  assert.ok(existsSync(join(out, 'runs', 'train', 'weights', 'best.safetensors')));
});

/** The server's first stdout line, `listening on http://127.0.0.1:<port>`. */
async function listening(child: ChildProcess): Promise<string> {
  let text = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  for await (const chunk of child.stdout!) {
    text += (chunk as Buffer).toString();
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
    if (m) return m[1]!;
  }
  throw new Error(`the server exited without listening:\n${text}\n${err}`);
}

test('examples/node-server: answers a posted image with its detections, refuses junk, stops on SIGTERM', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/node-server/server.ts', '--weights', sampleModel, '--port', '0', '--img', '320'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  try {
    const url = await listening(child);
    const res = await fetch(`${url}/detect`, { method: 'POST', body: readFileSync(sample), headers: { 'content-type': 'image/png' } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { detections: Detection[]; ms: number };
    const det = await loadOnnxDetector(sampleModel, { imgsz: 320 });
    const want = await det.detect(readFileSync(sample));
    await det.dispose();
    assert.ok(want.length >= 3, 'the sample model finds the digits');
    assert.deepEqual(body.detections, want);
    assert.ok(body.ms > 0);

    const junk = await fetch(`${url}/detect`, { method: 'POST', body: 'not an image' });
    assert.equal(junk.status, 400);
    assert.match(((await junk.json()) as { error: string }).error, /cannot decode image/);
    const info = (await (await fetch(`${url}/`)).json()) as { classes: string[] };
    assert.deepEqual(info.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal((await fetch(`${url}/nothing`)).status, 404);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await exited;
  assert.equal(code, 0, 'SIGTERM stops the server cleanly');
});

test('examples/browser-vite: Vite builds the page; in Chromium it finds the boxes onnxruntime-node finds', { timeout: 180_000 }, async () => {
  const { build, preview } = await import('vite');
  const { launchChromium } = await import('../web/serve-page.ts');
  const configFile = join(REPO, 'examples', 'browser-vite', 'vite.config.ts');
  const outDir = join(work, 'browser-vite');
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const assets = readdirSync(join(outDir, 'assets'));
  assert.ok(assets.some((a) => a.endsWith('.wasm')), 'onnxruntime-web\'s wasm is bundled as an asset');
  copyFileSync(sampleModel, join(outDir, 'sample-model.onnx'));
  const server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  const url = server.resolvedUrls!.local[0]!;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}?model=sample-model.onnx`);
    await page.waitForFunction(() => /classes|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
    assert.match((await page.textContent('#status'))!, /sample-model\.onnx: 10 classes/);
    await page.setInputFiles('#image', sample);
    await page.waitForFunction(() => /detection\(s\)|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
    assert.match((await page.textContent('#status'))!, /sample\.png: \d+ detection\(s\)/);
    const got = JSON.parse((await page.textContent('#detections'))!) as Detection[];
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'served cross-origin isolated (wasm threads)');

    const det = await loadOnnxDetector(sampleModel, { conf: 0.25, iou: 0.45 });
    const want = await det.detect(sample);
    await det.dispose();
    assert.ok(want.length >= 3, 'the sample model finds the digits');
    assertSameDetections(rows(got), rows(want));
    assert.deepEqual(got.map((d) => d.label).sort(), want.map((d) => d.label).sort());

    // A -seg export (the segment fixture checkpoint): the page says so and lists each detection's mask area, which
    // equals onnxruntime-node's; the masks are drawn with drawMasks.
    const { exportOnnx } = await import('../../src/export/export-onnx.ts');
    const { loadModel } = await import('../../src/yolo/load-model.ts');
    const { model } = loadModel(join(REPO, 'test', 'fixtures', 'segment', 'val_seg.pt'));
    writeFileSync(join(outDir, 'seg.onnx'), exportOnnx(model.fuse().eval(), { imgsz: 64 }).bytes);
    model.dispose();
    const scene = join(REPO, 'test', 'fixtures', 'segment', 'val_data', 'images', 'scene7.png');
    const segPage = await browser.newPage();
    // The fixture model is weakly trained (scores about 0.01–0.02): the page's ?conf= lowers the threshold.
    await segPage.goto(`${url}?model=seg.onnx&conf=0.01`);
    await segPage.waitForFunction(() => /classes|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
    assert.match((await segPage.textContent('#status'))!, /seg\.onnx: 2 classes, segmentation/);
    await segPage.setInputFiles('#image', scene);
    await segPage.waitForFunction(() => /detection\(s\)|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
    const segGot = JSON.parse((await segPage.textContent('#detections'))!) as (Detection & { maskArea: number })[];
    const segDet = await loadOnnxDetector(join(outDir, 'seg.onnx'), { conf: 0.01, iou: 0.45 });
    const segWant = await segDet.detect(scene);
    await segDet.dispose();
    assert.ok(segWant.length >= 2 && segWant.every((d) => d.mask), 'the segment fixture model finds objects with masks');
    assertSameDetections(rows(segGot), rows(segWant));
    const area = (m: Uint8Array | undefined) => m!.reduce((a, v) => a + v, 0);
    assert.deepEqual(segGot.map((d) => d.maskArea).sort(), segWant.map((d) => area(d.mask)).sort());
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
});
