#!/usr/bin/env node
// One-step set-up behind `npm test` / `npm run demo`: npm packages, system packages, libtorch, the native addon.
// Plain JavaScript with no dependencies, because it runs before `npm install`. Every step is skipped when
// already done, so running it again costs well under a second.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon, buildImageAddon } from './build-addon.mjs';
import { findLibtorch } from './find-libtorch.mjs';
import { OPENCV_HINT, findOpencv } from './find-opencv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function log(msg) {
  console.log(`[setup] ${msg}`);
}

function fail(msg) {
  console.error(`[setup] ${msg}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) fail(`\`${cmd} ${argv.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

function hashFiles(files, extra = '') {
  const h = createHash('sha256').update(extra);
  for (const f of files) h.update(f).update(existsSync(f) ? readFileSync(f) : '');
  return h.digest('hex');
}

// ------------------------------------------------------------------ npm packages
function ensureNodeModules() {
  const stampFile = join(root, 'node_modules', '.tsyolo-deps');
  const want = hashFiles([join(root, 'package.json'), join(root, 'package-lock.json')], process.version);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return;
  log('installing npm packages');
  // onnxruntime-node's installer would try to download CUDA libraries; its CPU build ships in the package.
  run('npm', ['install', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  writeFileSync(stampFile, want);
}

// ------------------------------------------------------------------ Debian packages
function missingDebs(pkgs) {
  return pkgs.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

let aptUpdated = false;
function aptInstall(pkgs, why) {
  const missing = missingDebs(pkgs);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) fail(`${why} needs Debian packages that are missing. Run as root:\n  ${command}`);
  log(`installing ${missing.join(' ')} (${why})`);
  if (!aptUpdated) {
    run('apt-get', ['update', '-q']);
    aptUpdated = true;
  }
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

// ------------------------------------------------------------------ libtorch and the addon
function ensureLibtorch() {
  let lt;
  try {
    lt = findLibtorch();
  } catch (e) {
    fail(e.message);
  }
  if (lt) return lt;
  aptInstall(['libtorch-dev'], 'libtorch (the compute engine)');
  lt = findLibtorch();
  if (!lt) fail('libtorch-dev was installed but libtorch still cannot be found');
  return lt;
}

// c10d's Gloo process groups (distributed training) compile against gloo's headers, which Debian ships apart from
// libtorch-dev. Installed only for Debian's own libtorch (same gloo build); without them the addon still builds and
// the distributed ops say what to install.
function withGlooHeaders(lt) {
  if (lt.gloo || !isRoot) return lt;
  const libtorchCpu = realpathSync(join(lt.libDir, 'libtorch_cpu.so'));
  if (spawnSync('dpkg-query', ['-S', libtorchCpu], { stdio: 'ignore' }).status !== 0) return lt;
  aptInstall(['libgloo-dev'], 'distributed training (c10d Gloo headers)');
  return findLibtorch();
}

function ensureAddon(lt) {
  try {
    buildAddon(lt, log);
  } catch (e) {
    fail(e.message);
  }
}

// The data loader's pixel work (resize, warps, HSV, decoding) runs on OpenCV through the image addon, a node-gyp
// project of its own (native/image/). Optional: without OpenCV the loader runs its TypeScript ports; as root,
// set-up installs it; otherwise it prints the command and carries on.
function ensureImageAddon() {
  let cv = findOpencv();
  if (!cv && isRoot) {
    aptInstall(['libopencv-dev'], 'the data loader\'s OpenCV pixel operations');
    cv = findOpencv();
  }
  if (!cv) {
    log(`OpenCV not found: the data loader uses its TypeScript pixel ports (slower). For OpenCV, run as root: apt-get update && ${OPENCV_HINT.replace('apt-get install', 'apt-get install -y --no-install-recommends')}`);
    return;
  }
  try {
    buildImageAddon(cv, log);
  } catch (e) {
    fail(e.message);
  }
}

if (!args.has('--native-only')) ensureNodeModules();
if (!args.has('--native-only')) aptInstall(['fonts-dejavu-core'], 'fonts for plots and labels');
// Deployment tests: Chromium drives the browser demo; python3-onnx's checker validates exported ONNX files.
if (!args.has('--native-only')) aptInstall(['chromium', 'python3-onnx'], 'the browser-demo test (chromium) and the ONNX checker (python3-onnx)');
// Video sources for detect and detector.stream(): frames come through an ffmpeg subprocess.
if (!args.has('--native-only')) aptInstall(['ffmpeg'], 'video sources for detect (ffmpeg)');
if (args.has('--bench')) aptInstall(['python3-torch'], 'the PyTorch baselines of the benchmarks');
ensureAddon(withGlooHeaders(ensureLibtorch()));
ensureImageAddon();
