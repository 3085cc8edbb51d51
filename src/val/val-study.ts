// val.py main()'s benchmark tasks, YOLOv5 v7.0: `--task speed` (each weights file validated at conf 0.25,
// IoU 0.45, square batches, no plots or JSON, printing its speed line) and `--task study` (each weights file at
// the sizes 256…1536 step 128, written as study_<data>_<weights>.txt rows, then study.png).
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { pyFormat } from '../compat/python.ts';
import type { Backend } from '../deploy/backend.ts';
import { plotValStudy } from '../plot/val-study-plot.ts';
import { type ValOptions, type ValResult, val } from './val.ts';

/** v7.0's study sizes: range(256, 1536 + 128, 128). */
export const STUDY_SIZES: readonly number[] = Array.from({ length: 11 }, (_, i) => 256 + 128 * i);

/** What the speed and study tasks need: the weights, how to load each, and the shared val options. */
export interface ValBenchmarkOptions {
  /** Weights files, each benchmarked on its own (v7.0 loops over --weights). */
  weights: readonly string[];
  /** Loads one weights file (the caller's device and backend choice). */
  load: (weights: string) => Promise<Backend>;
  /** The val options every run shares (data, batch size, image size, thresholds, workers, …). */
  val: Omit<ValOptions, 'model' | 'weightsFile'>;
  /** Receives each output line (default: console.log). */
  log?: (line: string) => void;
  /** study: the image sizes (default STUDY_SIZES; a test may pass fewer). */
  sizes?: readonly number[];
  /** study: the folder for the txt files and study.png (default: the working directory, as v7.0's). */
  dir?: string;
}

/** Python's Path(p).stem. */
function stem(p: string): string {
  return basename(p, extname(p));
}

async function withModel<T>(o: ValBenchmarkOptions, weights: string, fn: (model: Backend) => Promise<T>): Promise<T> {
  const model = await o.load(weights);
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

/**
 * `--task speed`: per weights file, val at conf 0.25, IoU 0.45 (whatever was given), square batches at --imgsz
 * (val.py's rect=False, pad 0 for speed), on the val split, without plots or --save-json; each prints its table
 * and `Speed: …ms pre-process, …ms inference, …ms NMS per image at shape (…)`.
 */
export async function valSpeed(o: ValBenchmarkOptions): Promise<ValResult[]> {
  const out: ValResult[] = [];
  for (const w of o.weights) {
    out.push(await withModel(o, w, (model) => val({ ...o.val, log: o.log, model, weightsFile: w, task: 'val', confThres: 0.25, iouThres: 0.45, saveJson: false, plots: false, rect: false })));
  }
  return out;
}

/** One study row (np.savetxt fmt '%10.4g'): P, R, mAP50, mAP50-95, the 3 val losses, then the 3 times in ms. */
export function studyRow(r: ValResult): string {
  const values = [r.P, r.R, r.mAP50, r.mAP50_95, ...r.losses, r.speedMs.preprocess, r.speedMs.inference, r.speedMs.nms];
  return values.map((v) => pyFormat('%10.4g', v)).join(' ');
}

/**
 * `--task study`: per weights file, val at every size (plots off, the val split, rect batches as usual) after the
 * line `Running study_<data stem>_<weights stem>.txt --imgsz N...`; the file gets one studyRow per size. Then
 * study.png from every study*.txt in the folder (plot_val_study). v7.0 also zips the txt files (`zip -r
 * study.zip`); tsyolo does not.
 */
export async function valStudy(o: ValBenchmarkOptions): Promise<{ files: string[]; plot: string }> {
  const log = o.log ?? ((s: string) => console.log(s));
  const dir = o.dir ?? process.cwd();
  const sizes = o.sizes ?? STUDY_SIZES;
  const data = typeof o.val.data === 'string' ? o.val.data : o.val.data.yamlPath;
  const files: string[] = [];
  for (const w of o.weights) {
    const f = `study_${stem(data)}_${stem(w)}.txt`;
    const rows = await withModel(o, w, async (model) => {
      const y: string[] = [];
      for (const imgsz of sizes) {
        log(`\nRunning ${f} --imgsz ${imgsz}...`);
        y.push(studyRow(await val({ ...o.val, log, model, weightsFile: w, task: 'val', imgsz, plots: false })));
      }
      return y;
    });
    writeFileSync(join(dir, f), rows.map((r) => `${r}\n`).join(''));
    files.push(join(dir, f));
  }
  const plot = await plotValStudy(dir);
  log(`Saving ${o.dir === undefined ? 'study.png' : plot}...`);
  return { files, plot };
}
