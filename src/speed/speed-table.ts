// `tsyolo speed`'s outputs: the console table and speed.csv (val.py's "Speed:" line is src/eval/val-table.ts's).

/** One timed row: one weights file at one batch size. */
export interface SpeedRow {
  /** The weights as given. */
  weights: string;
  /** Runtime and version ('libtorch 1.13.0', 'onnxruntime-node 1.30.0'). */
  runtime: string;
  /** Device ('cpu', 'cuda:0', 'cpu (CPUExecutionProvider)'). */
  device: string;
  /** 'fp32', 'fp16' or 'bf16'. */
  precision: string;
  /** Intra-op threads (torch.get_num_threads(); onnxruntime's session gets the same). */
  threads: number;
  /** Images per run. */
  batch: number;
  /** Input shape [N, 3, H, W]. */
  shape: [number, number, number, number];
  /** Timed runs. */
  runs: number;
  /** Untimed runs before timing. */
  warmup: number;
  /** Median ms per batch: pre-process + inference + NMS. */
  medianMs: number;
  /** Mean ms per batch. */
  meanMs: number;
  /** Sample standard deviation of the ms per batch. */
  stdMs: number;
  /** Images per second: batch · 1000 / median. */
  fps: number;
  /** Median ms per image of each stage, as val.py's "Speed:" line splits it. */
  perImageMs: {
    /** uint8 → float 0–1 on the device. */
    preprocess: number;
    /** Forward pass (output to host). */
    inference: number;
    /** Non-maximum suppression. */
    nms: number;
  };
  /** Every timed run's ms per batch, in the order they ran. */
  samplesMs: number[];
}

/** The CSV columns of speed.csv, in order. */
export const SPEED_CSV_COLUMNS: readonly string[] = [
  'weights',
  'runtime',
  'device',
  'precision',
  'threads',
  'batch',
  'height',
  'width',
  'warmup',
  'runs',
  'median_ms',
  'mean_ms',
  'std_ms',
  'fps',
  'preprocess_ms',
  'inference_ms',
  'nms_ms',
];

/** The columns of the console table, in order. */
export const SPEED_TABLE_COLUMNS: readonly string[] = ['weights', 'runtime', 'batch', 'shape', 'median ms', 'mean ± std ms', 'FPS', 'pre ms', 'inf ms', 'NMS ms'];

const runtimeCell = (r: SpeedRow) => `${r.runtime} ${r.device.split(' ')[0]} ${r.precision}`;
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** The console table: one row per weights × batch; stage columns are median ms per image. */
export function formatSpeedTable(rows: readonly SpeedRow[]): string {
  const cells = rows.map((r) => [
    r.weights,
    runtimeCell(r),
    String(r.batch),
    `${r.shape[2]}×${r.shape[3]}`,
    f2(r.medianMs),
    `${f2(r.meanMs)} ± ${f2(r.stdMs)}`,
    f1(r.fps),
    f2(r.perImageMs.preprocess),
    f2(r.perImageMs.inference),
    f2(r.perImageMs.nms),
  ]);
  const head = [...SPEED_TABLE_COLUMNS];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)) + 2);
  const line = (c: readonly string[]) => c.map((s, i) => (i < 2 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('').trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}

/** speed.csv: a header (SPEED_CSV_COLUMNS) and one line per row. */
export function speedCsv(rows: readonly SpeedRow[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [
      quote(r.weights),
      quote(r.runtime),
      quote(r.device),
      r.precision,
      r.threads,
      r.batch,
      r.shape[2],
      r.shape[3],
      r.warmup,
      r.runs,
      r.medianMs.toFixed(4),
      r.meanMs.toFixed(4),
      r.stdMs.toFixed(4),
      r.fps.toFixed(2),
      r.perImageMs.preprocess.toFixed(4),
      r.perImageMs.inference.toFixed(4),
      r.perImageMs.nms.toFixed(4),
    ].join(','),
  );
  return [SPEED_CSV_COLUMNS.join(','), ...lines].join('\n') + '\n';
}
