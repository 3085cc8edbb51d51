// `tsyolo data digits`: the bundled MNIST digit scenes as a YOLO-format dataset.
import type { Command } from 'commander';
import { type OptionTable, integer, positiveInteger, text } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

interface DigitsFlags {
  out: string;
  train: number;
  val: number;
  img: number;
  seed: number;
}

const DIGITS_FLAGS: OptionTable<DigitsFlags> = {
  out: { flags: '--out <dir>', help: 'output folder', default: '', required: true, read: text },
  train: { flags: '--train <n>', help: 'training images', default: 800, read: integer },
  val: { flags: '--val <n>', help: 'validation images', default: 200, read: integer },
  img: { flags: '--img <size>', help: 'image size', default: 320, read: positiveInteger },
  seed: { flags: '--seed <s>', help: 'random seed', default: 0, read: integer },
};

export function dataCommand(command: Command, print: (s: string) => void): void {
  command.description('bundled datasets');
  const digits = command
    .command('digits')
    .description('write a YOLO-format detection set of MNIST digit scenes (no download) and its data.yaml');
  addOptions(digits, DIGITS_FLAGS).action(async (values: Record<string, unknown>) => {
    const o = resolveFlags(DIGITS_FLAGS, values);
    const { generateDigits } = await import('../data/digits.ts');
    const r = await generateDigits({ ...o, log: print });
    print(`dataset written: ${r.yamlPath}`);
  });
}
