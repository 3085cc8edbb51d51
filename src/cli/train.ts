// `tsyolo train`: train.py's flags (the table in src/train/train-options.ts) → train().
import type { Command } from 'commander';
import { TRAIN_OPTIONS } from '../train/train-options.ts';
import { ExitError } from './exit-error.ts';
import { addOptions, readFlags } from './options.ts';

export function trainCommand(command: Command, print: (s: string) => void): void {
  command.description('train a detector (train.py): runs/train/exp{N} with weights, results.csv, plots');
  addOptions(command, TRAIN_OPTIONS).action(async (values: Record<string, unknown>) => {
    const flags = readFlags(TRAIN_OPTIONS, values);
    if (flags.evolve !== undefined) {
      // train.py --evolve: one training per generation, results in runs/evolve/exp{N}.
      const { evolve } = await import('../train/evolve.ts');
      const e = await evolve({ ...flags, log: print });
      if (e.stoppedBy === 'interrupted') throw new ExitError(`evolution interrupted; ${e.evolveCsv} holds ${e.totalGenerations} generations (continue with --resume)`, 130);
      return;
    }
    const { train } = await import('../train/trainer.ts');
    const r = await train({ ...flags, log: print });
    // Scripts chaining `tsyolo train && …` must not carry on with a half-trained model.
    if (r.stoppedBy === 'interrupted') throw new ExitError(`training interrupted; ${r.last} holds the state to resume from`, 130);
    // Under DDP only rank 0 validates and writes; a machine without it has no figures to show.
    if (r.rank !== 0) print(`rank ${r.rank} done; rank 0 holds the results (${r.saveDir} on node 0)`);
    else print(`best: ${r.best}\nfinal mAP50 ${r.final.mAP50.toFixed(3)}, mAP50-95 ${r.final.mAP50_95.toFixed(3)}`);
  });
}
