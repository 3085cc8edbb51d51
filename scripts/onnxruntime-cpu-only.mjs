// tsyolo runs onnxruntime-node on the CPU, whose libraries ship inside the onnxruntime-node package. On linux/x64
// onnxruntime-node's own postinstall also downloads its CUDA execution provider from NuGet unless those files are
// already in place, so an offline `npm install` of tsyolo would fail there; the project's .npmrc, which skips it
// in this repository, does not reach the projects that install tsyolo. npm runs every package's `install` step
// before any `postinstall`, so tsyolo's install step (scripts/install.mjs) puts a short text file where each CUDA
// library would go, saying how to get the real one; onnxruntime-node then finds them present and downloads nothing.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The command that installs onnxruntime-node's CUDA libraries over the placeholders. */
export const CUDA_INSTALL_COMMAND = 'node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12';

/** Files written (empty when onnxruntime-node is absent, needs nothing here, or the user chose its install flags). */
export function keepOnnxruntimeCpuOnly(packageRoot) {
  // A user who set onnxruntime-node's own install flag has chosen what it installs.
  if (process.env.ONNXRUNTIME_NODE_INSTALL || process.env.npm_config_onnxruntime_node_install) return [];
  if (process.env.ONNXRUNTIME_NODE_INSTALL_CUDA || process.env.npm_config_onnxruntime_node_install_cuda) return [];
  let ortRoot;
  try {
    ortRoot = dirname(createRequire(join(packageRoot, 'package.json')).resolve('onnxruntime-node/package.json'));
  } catch {
    return []; // an optional dependency npm did not install (another platform, or --omit=optional)
  }
  const platform = `${process.platform}/${process.arch}`;
  const metadata = createRequire(join(ortRoot, 'package.json'))('./script/install-metadata.js');
  const binDir = join(ortRoot, 'bin', 'napi-v6', process.platform, process.arch);
  if (!existsSync(binDir)) return [];
  const written = [];
  for (const name of metadata.requirements?.[platform] ?? []) {
    for (const file of Object.keys(metadata.manifests?.[`${platform}:${name}`] ?? {})) {
      const path = join(binDir, file);
      if (existsSync(path)) continue;
      writeFileSync(path, `Placeholder written by tsyolo's install step: tsyolo runs onnxruntime on the CPU.\nFor onnxruntime-node's ${name} libraries run: ${CUDA_INSTALL_COMMAND}\n`);
      written.push(path);
    }
  }
  return written;
}
