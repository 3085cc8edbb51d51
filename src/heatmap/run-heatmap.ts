// `tsyolo heatmap`'s run: every image of the source through heatmap(), into runs/heatmap/exp…: <stem>.png (the CAM
// over the letterboxed image, boxes drawn) and with saveNpy <stem>.npy (the float32 (H, W) grayscale CAM).
import { basename, extname, join } from 'node:path';
import { decodeImage } from '../data/image-decode.ts';
import { listImageFiles } from '../data/image-files.ts';
import { writeNpyFile } from '../io/npy.ts';
import { saveImage } from '../plot/image-file.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { heatmap, type HeatmapOptions, NoCamTargetError } from './heatmap.ts';

/** Options of runHeatmap(): heatmap()'s, the source and the run folder. */
export interface HeatmapRunOptions extends HeatmapOptions {
  /** An image, a folder, a glob or a .txt list of images. */
  source: string;
  /** Also write <stem>.npy, the grayscale CAM. */
  saveNpy?: boolean;
  /** Parent of the run folders (default runs/heatmap). */
  project?: string;
  /** Run folder name (default exp, then exp2, …). */
  name?: string;
  /** Reuse project/name instead of incrementing. */
  existOk?: boolean;
  /** Receives each output line (default console.log). */
  log?: (line: string) => void;
}

/** What runHeatmap() wrote. */
export interface HeatmapRunResult {
  /** The run folder. */
  saveDir: string;
  /** The files written, in order. */
  files: string[];
  /** Images with no prediction to explain (nothing written for them). */
  skipped: string[];
}

/** Heatmaps of every image of `o.source` through `model` (eval mode), written into a new run folder. */
export async function runHeatmap(model: DetectionModel, o: HeatmapRunOptions): Promise<HeatmapRunResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const images = listImageFiles([o.source]);
  if (images.length === 0) throw new Error(`--source ${o.source}: no images found (heatmap takes images, a folder, a glob or a .txt list)`);
  const saveDir = incrementPath(o.project ?? 'runs/heatmap', o.name ?? 'exp', o.existOk);
  const files: string[] = [];
  const skipped: string[] = [];
  try {
    for (const [k, path] of images.entries()) {
      const stem = basename(path, extname(path));
      const im = await decodeImage(path);
      let r;
      try {
        r = heatmap(model, im, o);
      } catch (e) {
        if (!(e instanceof NoCamTargetError)) throw e;
        log(`image ${k + 1}/${images.length} ${path}: ${e.message}; nothing written`);
        skipped.push(path);
        continue;
      }
      const png = join(saveDir, `${stem}.png`);
      await saveImage(png, r.image.data, r.image.width, r.image.height);
      files.push(png);
      if (o.saveNpy) {
        const npy = join(saveDir, `${stem}.npy`);
        writeNpyFile(npy, { dtype: 'float32', shape: [r.cam.height, r.cam.width], data: r.cam.data });
        files.push(npy);
      }
      const rows = r.targetRows ? `, target over ${r.targetRows} rows` : '';
      log(`image ${k + 1}/${images.length} ${path}: ${r.cam.width}x${r.cam.height} ${o.method ?? 'gradcam'}${rows}, ${r.detections.length} detections`);
    }
    if (files.length === 0) throw new Error(`no heatmap written: no image had a prediction to explain (a class score ≥ ${o.confThres ?? 0.2} among the top rows by objectness); lower --conf-thres`);
  } catch (e) {
    discardRunFolder(saveDir);
    throw e;
  }
  log(`Results saved to ${saveDir}`);
  return { saveDir, files, skipped };
}
