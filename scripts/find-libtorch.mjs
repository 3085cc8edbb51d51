// Finds libtorch in the documented order: $LIBTORCH → an installed Python torch → the system (Debian libtorch-dev).
// Plain JavaScript (no dependencies): it runs before `npm install` and from binding.gyp.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** How to get a libtorch, in the finder's order (printed by the install step and when the engine is missing). */
export const LIBTORCH_HINT = 'set LIBTORCH=/path/to/libtorch (a folder with include/ and lib/), install Python torch, or apt-get install libtorch-dev';

function describeFolder(root, source) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'ATen', 'ATen.h')) || !existsSync(join(lib, 'libtorch.so'))) return null;
  return { source, root, includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')], libDir: lib };
}

// Pre-C++11-ABI builds (older pip wheels, some libtorch zips) need _GLIBCXX_USE_CXX11_ABI=0 to link.
function usesCxx11Abi(libDir) {
  try {
    const symbols = execFileSync('nm', ['-D', '--defined-only', join(libDir, 'libc10.so')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return symbols.includes('__cxx11') ? 1 : 0;
  } catch {
    return 1;
  }
}

function fromEnv() {
  const dir = process.env.LIBTORCH;
  if (!dir) return null;
  const found = describeFolder(dir, 'LIBTORCH');
  if (!found) {
    throw new Error(`LIBTORCH=${dir} is not a libtorch folder: it needs include/ATen/ATen.h and lib/libtorch.so`);
  }
  return { ...found, cxx11Abi: usesCxx11Abi(found.libDir) };
}

function fromPython() {
  const candidates = [...new Set(['python3', '/usr/bin/python3'])];
  const script = 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))';
  for (const exe of candidates) {
    try {
      const [dir, abi] = execFileSync(exe, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
      const found = dir && describeFolder(dir, `python (${exe})`);
      if (found) return { ...found, cxx11Abi: Number(abi) };
    } catch {
      // no torch for this interpreter
    }
  }
  return null;
}

function fromSystem() {
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  const includeRoots = ['/usr/include', '/usr/local/include'];
  const include = includeRoots.find((d) => existsSync(join(d, 'ATen', 'ATen.h')) && existsSync(join(d, 'torch', 'csrc', 'api', 'include')));
  const libDir = libDirs.find((d) => existsSync(join(d, 'libtorch.so')));
  if (!include || !libDir) return null;
  return {
    source: 'system',
    root: include,
    includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')],
    libDir,
    cxx11Abi: 1,
  };
}

/** @returns {{source: string, root: string, includeDirs: string[], libDir: string, cxx11Abi: number, cuda: boolean, gloo: boolean} | null} */
export function findLibtorch() {
  const found = fromEnv() ?? fromPython() ?? fromSystem();
  if (!found) return null;
  const cuda = readdirSync(found.libDir).some((f) => f === 'libtorch_cuda.so');
  // c10d's Gloo process groups compile only with gloo's headers (Debian: libgloo-dev); part of the addon's build stamp.
  const gloo = [...found.includeDirs, '/usr/include', '/usr/local/include'].some((d) => existsSync(join(d, 'gloo', 'algorithm.h')));
  return { ...found, cuda, gloo };
}

// `node find-libtorch.mjs include|defines|libs` prints gyp-ready flags (used by native/binding.gyp).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const what = process.argv[2];
  const lt = findLibtorch();
  if (!lt) {
    console.error(`libtorch not found: ${LIBTORCH_HINT}`);
    process.exit(1);
  }
  if (what === 'include') console.log(lt.includeDirs.join(' '));
  else if (what === 'defines') console.log([`_GLIBCXX_USE_CXX11_ABI=${lt.cxx11Abi}`, ...(lt.cuda ? ['TSYOLO_CUDA=1'] : [])].join(' '));
  else if (what === 'libs') {
    const cuda = lt.cuda ? ['-Wl,--no-as-needed', '-ltorch_cuda', '-Wl,--as-needed'] : [];
    console.log([`-L${lt.libDir}`, `-Wl,-rpath,${lt.libDir}`, ...cuda, '-ltorch', '-ltorch_cpu', '-lc10'].join(' '));
  } else console.log(JSON.stringify(lt, null, 2));
}
