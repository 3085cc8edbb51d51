// `tsyolo demo`: the main job (src/demo/demo.ts) with its flags.
import type { Command } from 'commander';
import type { DemoOptions } from '../demo/demo.ts';
import { type OptionTable, nonNegativeInteger, positiveInteger, text } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

type DemoFlags = Omit<DemoOptions, 'print'>;

const DEMO_FLAGS: OptionTable<DemoFlags> = {
  project: { flags: '--project <dir>', help: 'where the runs go', default: 'runs/demo', read: text },
  data: { flags: '--data <dir>', help: 'where the digit scenes are generated (reused when present)', default: 'datasets/digits', read: text },
  cfg: { flags: '--cfg <yaml>', help: 'model to train', default: 'yolov5n-shufflenetv2.yaml', read: text },
  trainImages: { flags: '--train <n>', help: 'training scenes', default: 1000, read: positiveInteger },
  valImages: { flags: '--val <n>', help: 'held-out scenes', default: 200, read: positiveInteger },
  img: { flags: '--img <size>', help: 'image size', default: 192, read: positiveInteger },
  epochs: { flags: '--epochs <n>', help: 'epochs', default: 30, read: positiveInteger },
  batch: { flags: '--batch <n>', help: 'batch size', default: 32, read: positiveInteger },
  workers: { flags: '--workers <n>', help: 'loader worker threads', default: 2, read: nonNegativeInteger },
  detectImages: { flags: '--detect-images <n>', help: 'held-out scenes to run detect on', default: 8, read: positiveInteger },
};

export function demoCommand(command: Command, print: (s: string) => void): void {
  command.description('the main job: digit scenes → comparison → train a ShuffleNetV2 YOLOv5 → val → detect');
  addOptions(command, DEMO_FLAGS).action(async (values: Record<string, unknown>) => {
    const { runDemo } = await import('../demo/demo.ts');
    await runDemo({ ...resolveFlags(DEMO_FLAGS, values), print });
  });
}
