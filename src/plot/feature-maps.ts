// detect --visualize: YOLOv5 v7.0's feature_visualization (utils/plots.py) — one layer's output for the first
// image as a grid of its first 32 channels, 8 per row, each in matplotlib's default colour map (viridis) scaled to
// its own range, saved as stage{i}_{Type}_features.png beside the whole map as .npy.
import { join } from 'node:path';
import { writeNpyFile } from '../io/npy.ts';
import { linearColormap } from './colors.ts';
import { saveImage } from './image-file.ts';

/** matplotlib's viridis, sampled at 0, 1/8, …, 1 (interpolated between). */
const viridis = linearColormap(['440154', '472d7b', '3b528b', '2c728e', '21918c', '28ae80', '5ec962', 'addc30', 'fde725']);

/** One layer's output for image 0, as the model's per-layer hook gives it. */
export interface FeatureMap {
  /** The layer index (v7.0's m.i). */
  stage: number;
  /** The module's type, e.g. 'models.common.Conv' (the file name uses the part after the last dot). */
  moduleType: string;
  /** (channels, height, width) float32 values, CHW. */
  data: Float32Array;
  /** [channels, height, width]. */
  shape: number[];
}

/** v7.0's file name of a stage's picture: stage{i}_{Type}_features.png. */
export function featureMapFileName(stage: number, moduleType: string): string {
  return `stage${stage}_${moduleType.split('.').at(-1)}_features.png`;
}

const TILE = 224; // about matplotlib's cell at 300 dpi in a 6.4 in wide figure of 8 columns
const GAP = 8;

/**
 * feature_visualization for one layer: nothing for a Detect head or a map with height or width 1; otherwise the
 * PNG grid of min(n, channels) channels and the .npy of all channels. Returns the PNG path, or null when skipped.
 */
export async function saveFeatureMap(dir: string, map: FeatureMap, log: (line: string) => void, n = 32): Promise<string | null> {
  if (map.moduleType.includes('Detect')) return null;
  const [channels, height, width] = map.shape as [number, number, number];
  if (!(height > 1 && width > 1)) return null;
  const file = join(dir, featureMapFileName(map.stage, map.moduleType));
  const shown = Math.min(n, channels);
  const rows = Math.ceil(shown / 8);
  const scale = Math.max(1, Math.floor(TILE / Math.max(width, height)));
  const tw = width * scale, th = height * scale;
  const W = 8 * tw + 9 * GAP, H = rows * th + (rows + 1) * GAP;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const plane = height * width;
  for (let c = 0; c < shown; c++) {
    const values = map.data.subarray(c * plane, (c + 1) * plane);
    let lo = Infinity, hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    const x0 = GAP + (c % 8) * (tw + GAP), y0 = GAP + Math.floor(c / 8) * (th + GAP);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const v = values[Math.floor(y / scale) * width + Math.floor(x / scale)]!;
        const col = viridis(span > 0 ? (v - lo) / span : 0);
        const o = ((y0 + y) * W + x0 + x) * 3;
        rgb[o] = col[0];
        rgb[o + 1] = col[1];
        rgb[o + 2] = col[2];
      }
    }
  }
  log(`Saving ${file}... (${shown}/${channels})`);
  await saveImage(file, rgb, W, H);
  writeNpyFile(file.replace(/\.png$/, '.npy'), { dtype: 'float32', shape: [channels, height, width], data: map.data });
  return file;
}
