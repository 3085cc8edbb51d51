// `tsyolo train --nproc-per-node N` (and train({ nprocPerNode: N })): this process becomes the launcher of its
// machine's ranks, like torchrun. Each rank runs train-rank.ts with the same options; rank 0's result comes back
// through a file, its output through this process's `write`.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchRanks } from '../distributed/launcher.ts';
import { PLUGINS_ENV, loadedPlugins } from '../plugins/loaded-plugins.ts';
import { resolveOptions } from '../run/option-table.ts';
import type { TrainResult } from './trainer.ts';
import { TRAIN_OPTIONS } from './train-options.ts';
import type { TrainInput } from './train-run.ts';

/** Environment variables the launcher hands each rank: its options (JSON) and the folder for results. */
export const OPTIONS_VAR = 'TSYOLO_TRAIN_OPTIONS';
export const RESULTS_VAR = 'TSYOLO_TRAIN_RESULTS';
/** What rank 0 writes into the results folder as soon as the run folder is known (for an interrupted run). */
export const RUN_FILE = 'run.json';

/** From a checkout the rank entry is TypeScript, run through tsx; the package runs its compiled twin. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function rankCommand(): [string, ...string[]] {
  const entry = fileURLToPath(new URL(FROM_SOURCE ? './train-rank.ts' : './train-rank.js', import.meta.url));
  // createRequire, not the ESM-only resolver: the CommonJS build keeps only the module URL.
  const tsxLoader = () => createRequire(import.meta.url).resolve('tsx');
  return FROM_SOURCE ? [process.execPath, '--import', tsxLoader(), entry] : [process.execPath, entry];
}

function readRankResult(dir: string): TrainResult | null {
  const files = readdirSync(dir).filter((f) => /^rank\d+\.json$/.test(f)).sort((a, b) => Number(a.slice(4, -5)) - Number(b.slice(4, -5)));
  return files.length > 0 ? (JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as TrainResult) : null;
}

export async function launchTraining(input: TrainInput): Promise<TrainResult> {
  const { log: _log, write, onRunFolder: _onRunFolder, ...options } = input;
  const o = resolveOptions(TRAIN_OPTIONS, { nprocPerNode: options.nprocPerNode, nnodes: options.nnodes, nodeRank: options.nodeRank, masterAddr: options.masterAddr, masterPort: options.masterPort });
  // Refused here, before any rank starts (a resumed run's batch comes from its checkpoint: the ranks check that).
  const worldSize = o.nprocPerNode * o.nnodes;
  const batch = resolveOptions(TRAIN_OPTIONS, { batchSize: options.batchSize }).batchSize;
  if (!options.resume && batch % worldSize !== 0) {
    throw new Error(`--batch ${batch} must be a multiple of the ${worldSize} ranks (--nproc-per-node ${o.nprocPerNode} × --nnodes ${o.nnodes}): it is the total, split across ranks`);
  }
  const out = write ?? ((s: string) => void process.stdout.write(s));
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-ddp-'));
  try {
    const { interrupted } = await launchRanks({
      nprocPerNode: o.nprocPerNode,
      nnodes: o.nnodes,
      nodeRank: o.nodeRank,
      masterAddr: o.masterAddr,
      masterPort: o.masterPort,
      command: rankCommand(),
      // Each rank loads the plugins this process loaded (--plugin, tsyolo.config.yaml) before it trains.
      env: { [OPTIONS_VAR]: JSON.stringify(options), [RESULTS_VAR]: dir, [PLUGINS_ENV]: JSON.stringify(loadedPlugins()) },
      onStdout: (_rank, text) => out(text),
    });
    if (interrupted) {
      const run = readdirSync(dir).includes(RUN_FILE) ? (JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')) as { saveDir: string; last: string; best: string }) : { saveDir: '', last: '', best: '' };
      return { ...run, rank: o.nodeRank * o.nprocPerNode, epochsRun: 0, bestFitness: 0, final: { P: 0, R: 0, mAP50: 0, mAP50_95: 0 }, stoppedBy: 'interrupted', phases: [], valLosses: [0, 0, 0] };
    }
    const result = readRankResult(dir);
    if (!result) throw new Error(`the ranks ended without a result in ${dir}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
