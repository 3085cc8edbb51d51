// `tsyolo compare A B …`: the ablation table (src/ablation/compare.ts) printed and written to runs/compare/exp{N}/.
import type { Command } from 'commander';
import { runFolderOptions } from '../run/common-options.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { type OptionTable, flag, optionalText, positiveInteger } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

export interface CompareCliOptions {
  img: number;
  speed: boolean;
  data: string | undefined;
  nc: number | undefined;
  project: string;
  name: string;
  existOk: boolean;
}

const COMPARE_FLAGS: OptionTable<CompareCliOptions> = {
  img: { flags: '--img, --imgsz <size>', help: 'image size for GFLOPs and latency', default: 640, read: positiveInteger },
  speed: { flags: '--speed', help: 'latency per image, median ± std: fused libtorch eval and onnxruntime-node, batch 1, 5 warm-up then 30 timed runs, every entry and runtime interleaved round-robin (for FPS, batches, stages: tsyolo speed)', default: false, read: flag },
  data: { flags: '--data <yaml>', help: "dataset YAML: each checkpoint's mAP50 and mAP50-95 on its val split", default: undefined, read: optionalText },
  nc: { flags: '--nc <n>', help: 'build every YAML entry with n classes, so the table compares the blocks and not the heads (checkpoints keep theirs)', default: undefined, read: positiveInteger },
  ...runFolderOptions('runs/compare'),
};

export async function runCompare(entries: string[], o: CompareCliOptions, print: (s: string) => void): Promise<void> {
  const [{ compareModels, formatComparison, writeComparison }, { getNumThreads }] = await Promise.all([import('../ablation/compare.ts'), import('../tensor/runtime.ts')]);
  const dir = incrementPath(o.project, o.name, o.existOk);
  // An entry that does not load (a missing YAML, an ONNX file) fails the run before it writes: no empty exp{N} left.
  const rows = await compareModels(entries, { img: o.img, speed: o.speed ? { warmup: 5, runs: 30 } : undefined, data: o.data, valProject: dir, nc: o.nc, log: print }).catch((e: unknown) => {
    discardRunFolder(dir);
    throw e;
  });
  print(formatComparison(rows, o.img));
  await writeComparison(dir, rows, o.img, getNumThreads());
  print(`written: ${dir}/compare.md, compare.csv, compare.png`);
}

export function compareCommand(command: Command, print: (s: string) => void): void {
  command
    .description('ablation table: layers, parameters, GFLOPs (and latency, median ± std, with --speed) of model YAMLs or checkpoints, change against the first; writes compare.md, compare.csv, compare.png')
    .argument('<models...>', 'model YAMLs (shipped names or paths) or checkpoints (.pt, .safetensors)');
  addOptions(command, COMPARE_FLAGS).action((models: string[], values: Record<string, unknown>) => runCompare(models, resolveFlags(COMPARE_FLAGS, values), print));
}
