// `tsyolo speed --weights a.pt b.onnx …`: honest latency and FPS (src/speed/speed.ts), printed and written to
// runs/speed/exp{N}/speed.csv (and speed.json).
import type { Command } from 'commander';
import { DEVICE_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, nonNegativeInteger, optionalText, positiveInteger, text } from '../run/option-table.ts';
import { parseBatchList } from '../speed/batch-list.ts';
import { addOptions, resolveFlags } from './options.ts';

/** The flags of `tsyolo speed`, typed. */
export interface SpeedCliOptions {
  weights: string[];
  batch: number[];
  runs: number;
  warmup: number;
  img: number | undefined;
  device: string;
  half: boolean;
  threads: number | undefined;
  source: string | undefined;
  confThres: number;
  iouThres: number;
  project: string;
  name: string;
  existOk: boolean;
  json: boolean;
}

const SPEED_FLAGS: OptionTable<SpeedCliOptions> = {
  weights: {
    flags: '--weights <files...>',
    help: 'weights to time: .pt/.safetensors (fused, libtorch), .onnx (onnxruntime-node) or model YAMLs',
    default: [],
    required: true,
    read: (raw, name) => (Array.isArray(raw) ? raw : [raw]).map((v) => text(v, name)),
  },
  batch: { flags: '--batch <list>', help: 'batch sizes, comma-separated (e.g. 1,8)', default: [1], read: parseBatchList },
  runs: { flags: '--runs <n>', help: 'timed runs per weights × batch, interleaved round-robin', default: 50, read: positiveInteger },
  warmup: { flags: '--warmup <n>', help: 'untimed warm-up runs per weights × batch', default: 10, read: nonNegativeInteger },
  img: { flags: '--img, --imgsz <size>', help: "input size (default 640; a fixed-shape ONNX export's own)", default: undefined, read: positiveInteger },
  device: { ...DEVICE_OPTION, default: 'cpu' },
  half: { flags: '--half', help: 'libtorch: float16 weights and inputs on CUDA, bfloat16 on the CPU (as val --half); onnxruntime-node stays fp32 and says so', default: false, read: flag },
  threads: { flags: '--threads <n>', help: "intra-op threads for libtorch and onnxruntime (default: libtorch's, one per physical core)", default: undefined, read: positiveInteger },
  source: { flags: '--source <path>', help: 'time on these images (folder, file, glob, .txt list) letterboxed to the input size, instead of synthetic pixels', default: undefined, read: optionalText },
  confThres: { flags: '--conf, --conf-thres <c>', help: "NMS confidence threshold (val.py's)", default: 0.001, read: fraction },
  iouThres: { flags: '--iou, --iou-thres <t>', help: "NMS IoU threshold (val.py's)", default: 0.6, read: fraction },
  ...runFolderOptions('runs/speed'),
  json: { flags: '--json', help: 'also write speed.json (settings, rows, every run\'s time)', default: false, read: flag },
};

/** Runs `tsyolo speed` with checked flags. */
export async function runSpeed(o: SpeedCliOptions, print: (s: string) => void): Promise<void> {
  const { speed } = await import('../speed/speed.ts');
  await speed({ ...o, log: print });
}

/** Registers `tsyolo speed` on `command`. */
export function speedCommand(command: Command, print: (s: string) => void): void {
  command.description(
    'latency and FPS for papers: warm-up, then weights × batch interleaved round-robin; median, mean ± std, FPS, pre-process/inference/NMS per image, threads and runtime stated; writes speed.csv',
  );
  addOptions(command, SPEED_FLAGS).action((values: Record<string, unknown>) => runSpeed(resolveFlags(SPEED_FLAGS, values), print));
}
