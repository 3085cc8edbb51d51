// The shared timing engine behind `tsyolo speed` and `compare --speed`: every subject (a model on a runtime with
// its input batch) gets warm-up runs, then the subjects run interleaved round-robin — each subject once per round —
// so that whatever drifts over time (CPU clocks and turbo, another process, the garbage collector) falls on every
// subject alike instead of on whichever was timed last. The order within a round is shuffled (seeded), and a round
// never starts with the subject that ended the one before: a model run twice in a row finds its weights still in
// the CPU caches, and a fixed or merely alternating order gives that advantage to the same subjects every time
// (measured: the same tiny model entered four times came out up to 40 % apart). Each run is split as YOLOv5's
// val.py splits it: pre-process (uint8 → float 0–1 on the device), inference, NMS.
import type { NmsOptions } from '../eval/nms.ts';
import type { Backend } from '../deploy/backend.ts';
import { nmsPerImage } from '../deploy/postprocess.ts';

/** One thing to time: a loaded model and the batch it runs on. */
export interface SpeedSubject {
  /** The model (libtorch, onnxruntime-node, …), already loaded. */
  backend: Backend;
  /** (N, 3, H, W) uint8 pixels, already letterboxed: what val.py's loader hands its loop. */
  input: Uint8Array;
  /** [N, 3, H, W]. */
  shape: readonly [number, number, number, number];
}

/** Per-run milliseconds of one subject, for the whole batch, in the order they ran. */
export interface SpeedSamples {
  /** Pre-process + inference + NMS. */
  total: number[];
  /** uint8 → float 0–1 on the device (the backend's own measure, as val.py's dt[0]). */
  preprocess: number[];
  /** The model's forward pass, output copied to the host. */
  inference: number[];
  /** Non-maximum suppression over every image of the batch. */
  nms: number[];
}

/** How measureInterleaved runs the subjects. */
export interface InterleaveOptions {
  /** Untimed rounds first (each subject once per round). */
  warmup: number;
  /** Timed rounds (each subject once per round). */
  runs: number;
  /** Seed of the per-round shuffle (default 0): the same seed gives the same schedule. */
  seed?: number;
  /** NMS settings of the NMS stage (default val.py's: conf 0.001, IoU 0.6, 300 detections). */
  nms?: NmsOptions;
  /** Called after each timed round (progress). */
  onRound?: (done: number, total: number) => void;
}

/** val.py's NMS settings: what its "Speed:" line times. */
export const VAL_NMS: NmsOptions = { confThres: 0.001, iouThres: 0.6, maxDet: 300 };

/**
 * The order of `rounds` rounds over `n` subjects: each round a seeded shuffle of 0‥n−1 (mulberry32, Fisher–Yates)
 * whose first subject is never the previous round's last (for n ≥ 2), so no subject ever runs twice in a row.
 */
export function interleavedSchedule(n: number, rounds: number, seed = 0): number[][] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const schedule: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const last = schedule.at(-1)?.at(-1);
    if (n > 1 && order[0] === last) {
      const j = 1 + Math.floor(random() * (n - 1));
      [order[0], order[j]] = [order[j]!, order[0]!];
    }
    schedule.push(order);
  }
  return schedule;
}

async function runOnce(s: SpeedSubject, nms: NmsOptions): Promise<[number, number, number, number]> {
  const forward = () => s.backend.forward(s.input, s.shape);
  const t0 = performance.now();
  const out = await forward();
  const t1 = performance.now();
  nmsPerImage(out, nms);
  const t2 = performance.now();
  const pre = Math.min(out.preprocessMs ?? 0, t1 - t0);
  return [t2 - t0, pre, t1 - t0 - pre, t2 - t1];
}

/**
 * Times every subject: `warmup` untimed rounds, then `runs` timed rounds, each round running every subject once
 * (interleavedSchedule's order). Returns one SpeedSamples per subject, in the subjects' order.
 */
export async function measureInterleaved(subjects: readonly SpeedSubject[], o: InterleaveOptions): Promise<SpeedSamples[]> {
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`runs must be a positive integer, got ${o.runs}`);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error(`warm-up runs must be an integer ≥ 0, got ${o.warmup}`);
  const nms = o.nms ?? VAL_NMS;
  const schedule = interleavedSchedule(subjects.length, o.warmup + o.runs, o.seed ?? 0);
  const samples: SpeedSamples[] = subjects.map(() => ({ total: [], preprocess: [], inference: [], nms: [] }));
  for (const order of schedule.slice(0, o.warmup)) for (const i of order) await runOnce(subjects[i]!, nms);
  for (const [r, order] of schedule.slice(o.warmup).entries()) {
    for (const i of order) {
      const [total, pre, inf, post] = await runOnce(subjects[i]!, nms);
      const s = samples[i]!;
      s.total.push(total);
      s.preprocess.push(pre);
      s.inference.push(inf);
      s.nms.push(post);
    }
    o.onRound?.(r + 1, o.runs);
  }
  return samples;
}
