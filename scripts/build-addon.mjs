// Builds the native addon (native/) with node-gyp against a libtorch from find-libtorch.mjs. Shared by the
// repository's set-up (scripts/setup.mjs) and the package's install step (scripts/install.mjs); plain JavaScript
// with no dependencies, because both run before anything else is ready.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(packageRoot, 'native');
export const addonPath = join(nativeDir, 'build', 'Release', 'tsyolo_native.node');
// The image addon (OpenCV pixel ops for the data loader) is a node-gyp project of its own: it links OpenCV and no
// libtorch, so each builds without the other and a change to one never recompiles the other.
const imageDir = join(nativeDir, 'image');
export const imageAddonPath = join(imageDir, 'build', 'Release', 'tsyolo_image.node');

/** What a built addon depends on: its sources, the library it links and the Node it was built for. */
function addonKey(projectDir, library) {
  const sources = readdirSync(join(projectDir, 'src')).map((f) => join(projectDir, 'src', f)).sort();
  const h = createHash('sha256').update(JSON.stringify(library) + process.version);
  for (const f of [...sources, join(projectDir, 'binding.gyp')]) h.update(f).update(readFileSync(f));
  return h.digest('hex');
}

function isCurrent(projectDir, output, library) {
  const stampFile = join(projectDir, 'build', 'tsyolo-stamp');
  return existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === addonKey(projectDir, library);
}

/** True when the addon exists and was built from the current sources against this libtorch. */
export function addonIsCurrent(libtorch) {
  return isCurrent(nativeDir, addonPath, libtorch);
}

function nodeGypPath() {
  // npm tells its lifecycle scripts where its bundled node-gyp is; otherwise look beside the running Node.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('node-gyp not found (it ships with npm); install it with `npm install -g node-gyp`');
}

/** node-gyp rebuild of one project folder, then its stamp. Throws when node-gyp fails. */
function gypBuild(projectDir, library) {
  // Build against the headers of the running Node (no header download: there may be no network).
  const nodeDir = process.env.npm_config_nodedir || join(dirname(process.execPath), '..');
  const nodeDirArgs = existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
  const r = spawnSync(process.execPath, [nodeGypPath(), 'rebuild', '--release', '-j', '2', ...nodeDirArgs], { stdio: 'inherit', cwd: projectDir });
  if (r.status !== 0) throw new Error(`node-gyp rebuild in ${projectDir} failed (exit ${r.status ?? r.signal})`);
  writeFileSync(join(projectDir, 'build', 'tsyolo-stamp'), addonKey(projectDir, library));
}

/** Builds the addon unless it is current; `log` reports that a build starts. Throws when node-gyp fails. */
export function buildAddon(libtorch, log) {
  if (addonIsCurrent(libtorch)) return false;
  log(`building the native addon against libtorch from ${libtorch.source} (${libtorch.libDir}); this takes a minute or two`);
  gypBuild(nativeDir, libtorch);
  return true;
}

/** Builds the image addon against `opencv` (find-opencv.mjs) unless it is current. Throws when node-gyp fails. */
export function buildImageAddon(opencv, log) {
  if (isCurrent(imageDir, imageAddonPath, opencv)) return false;
  log(`building the image addon against OpenCV ${opencv.version} (${opencv.libDir})`);
  gypBuild(imageDir, opencv);
  return true;
}
