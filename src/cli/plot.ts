// `tsyolo plot RUN RUN …`: training runs overlaid (results.csv curves, PR curves) and compare.csv's scatter, written
// to runs/plot/exp{N}/ or --out (src/plot/runs-plot.ts).
import type { Command } from 'commander';
import { runFolderOptions } from '../run/common-options.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { type OptionTable, flag, optionalText } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

/** `tsyolo plot`'s flags, read and checked. */
export interface PlotCliOptions {
  out: string | undefined;
  svg: boolean;
  project: string;
  name: string;
  existOk: boolean;
}

const PLOT_FLAGS: OptionTable<PlotCliOptions> = {
  out: { flags: '--out <file>', help: 'write the runs chart here (.png or .svg) instead of runs/plot/exp{N}/runs.png; PR curves and compare go beside it as <stem>_PR_curve, <stem>_compare', default: undefined, read: optionalText },
  svg: { flags: '--svg', help: 'also write every chart as SVG (text stays text)', default: false, read: flag },
  ...runFolderOptions('runs/plot'),
};

/** Runs `tsyolo plot`: a run folder (or --out), the charts, one `written:` line. */
export async function runPlot(inputs: string[], o: PlotCliOptions, print: (s: string) => void): Promise<void> {
  const { plotRuns } = await import('../plot/runs-plot.ts');
  const dir = o.out === undefined ? incrementPath(o.project, o.name, o.existOk) : undefined;
  const { files } = await plotRuns(inputs, { dir, out: o.out, svg: o.svg, log: print }).catch((e: unknown) => {
    if (dir !== undefined) discardRunFolder(dir);
    throw e;
  });
  print(`written: ${files.join(', ')}`);
}

/** Registers `tsyolo plot` on `command`. */
export function plotCommand(command: Command, print: (s: string) => void): void {
  command
    .description("overlay training runs: their results.csv curves in results.png's ten panels (runs.png), their PR curves when val saved PR_curve.csv (PR_curve.png), and compare.csv's scatter (compare.png)")
    .argument('<runs...>', 'run folders (runs/train/exp …), results.csv files, or a compare.csv / tsyolo compare folder');
  addOptions(command, PLOT_FLAGS).action((runs: string[], values: Record<string, unknown>) => runPlot(runs, resolveFlags(PLOT_FLAGS, values), print));
}
