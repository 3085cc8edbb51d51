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
const stampFile = join(nativeDir, 'build', 'tsyolo-stamp');

/** What the built addon depends on: its sources, the libtorch it links and the Node it was built for. */
function addonKey(libtorch) {
  const sources = readdirSync(join(nativeDir, 'src')).map((f) => join(nativeDir, 'src', f)).sort();
  const h = createHash('sha256').update(JSON.stringify(libtorch) + process.version);
  for (const f of [...sources, join(nativeDir, 'binding.gyp')]) h.update(f).update(readFileSync(f));
  return h.digest('hex');
}

/** True when the addon exists and was built from the current sources against this libtorch. */
export function addonIsCurrent(libtorch) {
  return existsSync(addonPath) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === addonKey(libtorch);
}

function nodeGypPath() {
  // npm tells its lifecycle scripts where its bundled node-gyp is; otherwise look beside the running Node.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('node-gyp not found (it ships with npm); install it with `npm install -g node-gyp`');
}

/** Builds the addon unless it is current; `log` reports that a build starts. Throws when node-gyp fails. */
export function buildAddon(libtorch, log) {
  if (addonIsCurrent(libtorch)) return false;
  log(`building the native addon against libtorch from ${libtorch.source} (${libtorch.libDir}); this takes a minute or two`);
  // Build against the headers of the running Node (no header download: there may be no network).
  const nodeDir = process.env.npm_config_nodedir || join(dirname(process.execPath), '..');
  const nodeDirArgs = existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
  const r = spawnSync(process.execPath, [nodeGypPath(), 'rebuild', '--release', '-j', '2', ...nodeDirArgs], { stdio: 'inherit', cwd: nativeDir });
  if (r.status !== 0) throw new Error(`node-gyp rebuild in ${nativeDir} failed (exit ${r.status ?? r.signal})`);
  writeFileSync(stampFile, addonKey(libtorch));
  return true;
}
