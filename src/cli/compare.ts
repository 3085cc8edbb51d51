// `tsyolo compare A B …`: the ablation table (src/ablation/compare.ts) printed and written to runs/compare/exp{N}/.
import { compareModels, formatComparison, writeComparison } from '../ablation/compare.ts';
import { incrementPath } from '../run/increment-path.ts';
import { getNumThreads } from '../tensor/runtime.ts';

export interface CompareCliOptions {
  img: number;
  speed?: boolean;
  data?: string;
  project: string;
  name: string;
  existOk?: boolean;
}

export async function runCompare(entries: string[], o: CompareCliOptions, print: (s: string) => void): Promise<void> {
  const dir = incrementPath(o.project, o.name, o.existOk);
  const rows = await compareModels(entries, { img: o.img, speed: o.speed ? { warmup: 3, runs: 10 } : undefined, data: o.data, valProject: dir });
  print(formatComparison(rows, o.img));
  await writeComparison(dir, rows, o.img, getNumThreads());
  print(`written: ${dir}/compare.md, compare.csv, compare.png`);
}
