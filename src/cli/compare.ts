// `tsyolo compare A B …`: the ablation table (src/ablation/compare.ts) printed and written to runs/compare/exp{N}/.
import { compareModels, formatComparison, writeComparison } from '../ablation/compare.ts';
import { incrementPath } from '../run/increment-path.ts';
import { getNumThreads } from '../tensor/runtime.ts';

export interface CompareCliOptions {
  img: number;
  speed?: boolean;
  project: string;
  name: string;
  existOk?: boolean;
}

export async function runCompare(entries: string[], o: CompareCliOptions, print: (s: string) => void): Promise<void> {
  const rows = await compareModels(entries, { img: o.img, speed: o.speed ? { warmup: 3, runs: 10 } : undefined });
  print(formatComparison(rows, o.img));
  const dir = incrementPath(o.project, o.name, o.existOk);
  await writeComparison(dir, rows, o.img, getNumThreads());
  print(`written: ${dir}/compare.md, compare.csv, compare.png`);
}
