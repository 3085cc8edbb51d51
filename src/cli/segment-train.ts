// `tsyolo segment train`: YOLOv5 v7.0's segment/train.py — train.py's flags (the same table) plus --mask-ratio and
// --no-overlap, runs in runs/train-seg/exp{N}. Registered on the `segment` command group (src/cli/segment.ts).
import type { Command } from 'commander';
import { type OptionTable, flag, positiveInteger } from '../run/option-table.ts';
import { TRAIN_OPTIONS, type TrainOptions } from '../train/train-options.ts';
import { ExitError } from './exit-error.ts';
import { addOptions, readFlags } from './options.ts';

/** segment/train.py's own flags. */
interface SegmentTrainFlags {
  maskRatio: number;
  noOverlap: boolean;
}

const SEGMENT_TRAIN_FLAGS: OptionTable<SegmentTrainFlags> = {
  maskRatio: { flags: '--mask-ratio <n>', help: 'ground-truth masks at 1/n of the image size (downsample ratio)', default: 4, read: positiveInteger },
  noOverlap: { flags: '--no-overlap', help: 'one mask per instance instead of one overlap (index) mask per image', default: false, read: flag },
};

/** train.py's table with segment/train.py's run folder default. */
const TRAIN_FLAGS: OptionTable<TrainOptions> = { ...TRAIN_OPTIONS, project: { ...TRAIN_OPTIONS.project, default: 'runs/train-seg' } };

/** Adds `train` to the `segment` command group and returns the group. */
export function segmentTrainCommand(segment: Command, print: (s: string) => void): Command {
  const train = segment.command('train').description('train a segmentation model on polygon labels (segment/train.py): runs/train-seg/exp{N} with weights, results.csv');
  addOptions(addOptions(train, TRAIN_FLAGS), SEGMENT_TRAIN_FLAGS).action(async (values: Record<string, unknown>) => {
    const flags = readFlags(TRAIN_FLAGS, values);
    const seg = readFlags(SEGMENT_TRAIN_FLAGS, values);
    // commander turns --no-overlap into overlap = false.
    const overlap = values.overlap !== false;
    const input = { ...flags, project: flags.project ?? TRAIN_FLAGS.project.default, segment: { maskRatio: seg.maskRatio ?? 4, overlap }, log: print };
    if (flags.evolve !== undefined) {
      // segment/train.py --evolve: evolve.csv with the box and mask columns, in runs/train-seg/exp{N} (v7.0 renames
      // only detection's default project to runs/evolve).
      const { evolve } = await import('../train/evolve.ts');
      const e = await evolve(input);
      if (e.stoppedBy === 'interrupted') throw new ExitError(`evolution interrupted; ${e.evolveCsv} holds ${e.totalGenerations} generations (continue with --resume)`, 130);
      return;
    }
    const { train: runTraining } = await import('../train/trainer.ts');
    const r = await runTraining(input);
    if (r.stoppedBy === 'interrupted') throw new ExitError(`training interrupted; ${r.last} holds the state to resume from`, 130);
    // DDP over several machines: only rank 0 validates.
    if (r.rank !== 0) print(`rank ${r.rank} done; rank 0 holds the results (${r.saveDir} on node 0)`);
    else print(`best: ${r.best}\nfinal box mAP50 ${r.final.mAP50.toFixed(3)}, mAP50-95 ${r.final.mAP50_95.toFixed(3)}`);
  });
  return segment;
}
