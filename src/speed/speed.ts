// `tsyolo speed`: FPS of weights files as a paper should report it — every weights × batch warmed up, then timed
// interleaved round-robin with the others, median and mean ± std per batch, FPS, val.py's per-image stage split,
// the threads and runtime stated; written to runs/speed/exp{N}/speed.csv (and speed.json).
import { join } from 'node:path';
import { formatSpeedLine } from '../eval/val-table.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { checkImgSize } from '../run/check-img-size.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { getNumThreads, setNumThreads } from '../tensor/runtime.ts';
import { measureInterleaved, type SpeedSubject, VAL_NMS } from './interleave.ts';
import { type SpeedBatch, SourceImages, syntheticBatch } from './speed-inputs.ts';
import { checkWeightsFile, loadSpeedModel, type SpeedModel } from './speed-models.ts';
import { formatSpeedTable, speedCsv, type SpeedRow } from './speed-table.ts';
import { sampleStats, median } from './stats.ts';

/** Options of speed(). */
export interface SpeedOptions {
  /** Weights files (.pt, .safetensors, .onnx) or model YAMLs, each timed on its runtime. */
  weights: string[];
  /** Batch sizes (default [1]). */
  batch?: number[];
  /** Timed runs per weights × batch (default 50). */
  runs?: number;
  /** Untimed warm-up runs per weights × batch (default 10). */
  warmup?: number;
  /** Input size (default 640; a fixed-shape ONNX export's own size when not given). */
  img?: number;
  /** '--device' as typed (default 'cpu'). */
  device?: string;
  /** val/detect's --half on libtorch (float16 weights and inputs on CUDA, bfloat16 on the CPU); onnxruntime-node runs fp32 and says so. */
  half?: boolean;
  /** Intra-op threads for libtorch and onnxruntime during the run (default: libtorch's current count). */
  threads?: number;
  /** Images to time on (a folder, file, glob or .txt list) instead of synthetic pixels. */
  source?: string;
  /** NMS confidence threshold (default val.py's 0.001). */
  confThres?: number;
  /** NMS IoU threshold (default val.py's 0.6). */
  iouThres?: number;
  /** Results folder (default runs/speed). */
  project?: string;
  /** Run name (default exp). */
  name?: string;
  /** Reuse project/name. */
  existOk?: boolean;
  /** Also write speed.json (settings, rows, every run's time). */
  json?: boolean;
  /** Output lines (default console.log). */
  log?: (line: string) => void;
}

/** What speed() measured and where it wrote it. */
export interface SpeedResult {
  /** One row per weights × batch, in the order given. */
  rows: SpeedRow[];
  /** The run folder. */
  saveDir: string;
  /** Files written. */
  files: string[];
}

/** The input [h, w] of one model: a fixed-shape export's own (a different --img is an Error), else --img on the stride grid. */
function inputHW(m: SpeedModel, img: number | undefined, log: (s: string) => void): [number, number] {
  const fixed = m.backend.fixedInputHW;
  if (fixed) {
    if (img !== undefined && (img !== fixed[0] || img !== fixed[1])) {
      throw new Error(`--img ${img}: ${m.weights} has a fixed input of ${fixed[0]}x${fixed[1]}; time it at that size (leave out --img) or export with --img ${img} or --dynamic for another`);
    }
    return [fixed[0], fixed[1]];
  }
  const size = checkImgSize(img ?? 640, m.backend.stride, 0, log);
  return [size, size];
}

function checkBatch(m: SpeedModel, batch: number): void {
  if (m.fixedBatch !== null && batch !== m.fixedBatch) {
    throw new Error(`--batch ${batch}: ${m.weights} was exported for batch ${m.fixedBatch} only; export with --batch ${batch} or --dynamic to time that batch`);
  }
}

/** Times every weights × batch interleaved and writes speed.csv (and speed.json) to the run folder. */
export async function speed(o: SpeedOptions): Promise<SpeedResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const batches = o.batch ?? [1];
  const runs = o.runs ?? 50;
  const warmup = o.warmup ?? 10;
  if (o.weights.length === 0) throw new Error('--weights: give at least one weights file');
  for (const b of batches) if (!Number.isInteger(b) || b < 1) throw new Error(`--batch: ${b} is not a positive integer batch size`);
  for (const w of o.weights) checkWeightsFile(w);
  const source = o.source ? await SourceImages.load(o.source) : undefined;
  const previousThreads = getNumThreads();
  if (o.threads !== undefined) setNumThreads(o.threads);
  const threads = getNumThreads();

  const models: SpeedModel[] = [];
  try {
    for (const w of o.weights) models.push(await loadSpeedModel(w, { device: o.device ?? 'cpu', half: o.half ?? false, threads }));
    const cells: { model: SpeedModel; batch: number; data: SpeedBatch }[] = [];
    for (const model of models) {
      const [h, w] = inputHW(model, o.img, log);
      for (const batch of batches) {
        checkBatch(model, batch);
        cells.push({ model, batch, data: source ? source.batchFrom(batch, h, w) : syntheticBatch(batch, h, w) });
      }
    }
    for (const note of new Set(models.map((m) => m.note))) {
      if (note !== undefined) log(`WARNING ⚠️ ${models.filter((m) => m.note === note).map((m) => m.weights).join(', ')}: ${note}`);
    }
    const nms = { ...VAL_NMS, ...(o.confThres !== undefined ? { confThres: o.confThres } : {}), ...(o.iouThres !== undefined ? { iouThres: o.iouThres } : {}) };
    const contents = [...new Set(cells.map((c) => c.data.content))].join('; ');
    log(
      `${runs} timed runs after ${warmup} warm-up runs per row, rows interleaved round-robin (each round in a shuffled order, no row twice in a row); ` +
        `${threads} intra-op thread${threads === 1 ? '' : 's'} (torch.get_num_threads(); onnxruntime sessions get the same); ` +
        `input: ${contents}; NMS conf ${nms.confThres} IoU ${nms.iouThres} max ${nms.maxDet}`,
    );
    const subjects: SpeedSubject[] = cells.map((c) => ({ backend: c.model.backend, input: c.data.input, shape: c.data.shape }));
    const samples = await measureInterleaved(subjects, { warmup, runs, nms });
    const rows: SpeedRow[] = cells.map((c, i) => {
      const s = samples[i]!;
      const total = sampleStats(s.total);
      return {
        weights: c.model.weights,
        runtime: c.model.runtime,
        device: c.model.device,
        precision: c.model.precision,
        threads,
        batch: c.batch,
        shape: c.data.shape,
        runs,
        warmup,
        medianMs: total.median,
        meanMs: total.mean,
        stdMs: total.std,
        fps: (c.batch * 1000) / total.median,
        perImageMs: { preprocess: median(s.preprocess) / c.batch, inference: median(s.inference) / c.batch, nms: median(s.nms) / c.batch },
        samplesMs: s.total,
      };
    });
    log(formatSpeedTable(rows));
    for (const r of rows) log(`${r.weights} (${r.runtime}, batch ${r.batch}): ${formatSpeedLine(r.perImageMs.preprocess, r.perImageMs.inference, r.perImageMs.nms, r.shape)}`);

    const saveDir = incrementPath(o.project ?? 'runs/speed', o.name ?? 'exp', o.existOk);
    const files = [join(saveDir, 'speed.csv')];
    try {
      writeFileAtomic(files[0]!, speedCsv(rows));
      if (o.json) {
        files.push(join(saveDir, 'speed.json'));
        const settings = { runs, warmup, threads, interleaved: 'round-robin: every row once per round, rounds in a seeded shuffled order, no row twice in a row', input: contents, nms, stages: 'median ms per image; pre-process = uint8 → float 0–1 on the device, as val.py' };
        writeFileAtomic(files[1]!, JSON.stringify({ settings, rows }, null, 2) + '\n');
      }
    } catch (e) {
      discardRunFolder(saveDir);
      throw e;
    }
    log(`written: ${files.join(', ')}`);
    return { rows, saveDir, files };
  } finally {
    for (const m of models) await m.backend.dispose();
    if (o.threads !== undefined) setNumThreads(previousThreads); // a library caller keeps its own setting
  }
}
