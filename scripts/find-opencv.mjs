// Finds OpenCV 4 (Debian: libopencv-dev) through pkg-config, for the image addon (native/image/). Plain JavaScript
// (no dependencies): it runs before `npm install` and from native/image/binding.gyp. Only core, imgproc and
// imgcodecs are linked: the addon needs resize, warps, colour conversion, LUT and decoding, nothing else.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How to get OpenCV (printed when the image addon cannot be built). */
export const OPENCV_HINT = 'apt-get install libopencv-dev';

const MODULES = ['opencv_core', 'opencv_imgproc', 'opencv_imgcodecs'];

/** @returns {{version: string, includeDirs: string[], libDir: string} | null} */
export function findOpencv() {
  let version;
  let includeFlags;
  let libDir;
  try {
    const pc = (args) => execFileSync('pkg-config', [...args, 'opencv4'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    version = pc(['--modversion']);
    includeFlags = pc(['--cflags-only-I']);
    libDir = pc(['--variable=libdir']);
  } catch {
    return null;
  }
  const includeDirs = includeFlags.split(/\s+/).filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  if (!includeDirs.some((d) => existsSync(join(d, 'opencv2', 'imgproc.hpp')))) return null;
  return { version, includeDirs, libDir };
}

// `node find-opencv.mjs include|libs` prints gyp-ready flags (used by native/image/binding.gyp).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const what = process.argv[2];
  const cv = findOpencv();
  if (!cv) {
    console.error(`OpenCV 4 not found by pkg-config: ${OPENCV_HINT}`);
    process.exit(1);
  }
  if (what === 'include') console.log(cv.includeDirs.join(' '));
  else if (what === 'libs') console.log([`-L${cv.libDir}`, ...MODULES.map((m) => `-l${m}`)].join(' '));
  else console.log(JSON.stringify(cv, null, 2));
}
