// One rank of a distributed training run, started by train-launch.ts with torchrun's environment (RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT) and the run's options as JSON. Rank 0 writes run.json when the run folder is
// known; every rank writes rank<N>.json with its result. A failure is one line naming the rank, exit status 1.
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { PLUGINS_ENV } from '../plugins/loaded-plugins.ts';
import { OPTIONS_VAR, RESULTS_VAR, RUN_FILE } from './train-launch.ts';
import { train } from './trainer.ts';

const rank = process.env.RANK ?? '?';
try {
  const options = JSON.parse(process.env[OPTIONS_VAR] ?? '{}') as Record<string, unknown>;
  const results = process.env[RESULTS_VAR];
  const plugins = JSON.parse(process.env[PLUGINS_ENV] ?? '[]') as string[];
  if (plugins.length > 0) await (await import('../plugins/load-plugins.ts')).loadPlugins(plugins, { from: 'plugin' });
  const result = await train({
    ...options,
    onRunFolder: (files) => {
      if (results && rank === '0') writeFileAtomic(join(results, RUN_FILE), JSON.stringify(files));
    },
  });
  if (results) writeFileAtomic(join(results, `rank${rank}.json`), JSON.stringify(result));
} catch (e) {
  process.stderr.write(`error: rank ${rank}: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
