// `tsyolo data digits`: the bundled MNIST digit scenes as a YOLO-format dataset.
import type { Command } from 'commander';
import { type OptionTable, integer, nonNegativeInteger, oneOf, positiveInteger, text } from '../run/option-table.ts';
import { addOptions, readFlags, resolveFlags } from './options.ts';

interface DigitsFlags {
  out: string;
  train: number;
  val: number;
  img: number;
  seed: number;
  task: 'detect' | 'classify' | 'segment';
}

const DIGITS_FLAGS: OptionTable<DigitsFlags> = {
  out: { flags: '--out <dir>', help: 'output folder', default: '', required: true, read: text },
  train: { flags: '--train <n>', help: 'training images', default: 800, read: nonNegativeInteger },
  val: { flags: '--val <n>', help: 'validation images', default: 200, read: nonNegativeInteger },
  img: { flags: '--img <size>', help: 'image size', default: 320, read: positiveInteger },
  seed: { flags: '--seed <s>', help: 'random seed', default: 0, read: integer },
  task: { flags: '--task <task>', help: 'detect (scenes with boxes), segment (the same scenes with polygon labels) or classify (train/<digit>/*.png folders; defaults 200 train, 50 val)', default: 'detect', read: oneOf(['detect', 'classify', 'segment'] as const) },
};

export function dataCommand(command: Command, print: (s: string) => void): void {
  command.description('bundled datasets');
  const digits = command
    .command('digits')
    .description('write a YOLO-format detection set of MNIST digit scenes (no download) and its data.yaml');
  addOptions(digits, DIGITS_FLAGS).action(async (values: Record<string, unknown>) => {
    const o = resolveFlags(DIGITS_FLAGS, values);
    if (o.task === 'classify') {
      const given = readFlags(DIGITS_FLAGS, values);
      const { generateDigitFolders } = await import('../classify/digit-folders.ts');
      const r = await generateDigitFolders({ out: o.out, train: given.train ?? 200, val: given.val ?? 50, seed: o.seed });
      print(`dataset written: ${r.out} (train/<digit>/, val/<digit>/: ${r.train} train, ${r.val} val images)`);
      return;
    }
    if (o.train + o.val === 0) throw new Error('--train 0 and --val 0: no scenes to write');
    if (o.img < 32) throw new Error(`--img must be at least 32 (pixels), got ${o.img}`);
    const [{ generateDigits }, { ProgressBar }] = await Promise.all([import('../data/digits.ts'), import('../run/progress-bar.ts')]);
    const bar = new ProgressBar(o.train + o.val, { desc: 'digits' });
    const r = await generateDigits({ ...o, task: o.task, log: bar.wrap(print), onProgress: (done) => bar.update(done) }).finally(() => bar.end(false));
    print(`dataset written: ${r.yamlPath}`);
  });
}
