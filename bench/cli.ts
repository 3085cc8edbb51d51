// Start-up time of the compiled command line (`tsyolo --help`, `tsyolo --version`; goal ≤ 0.3 s): the bin and
// dist/ (built by `npm run bench:cli` first) are staged like an installed package, without src/, so bin/tsyolo.js
// takes the compiled path. Writes bench/results/cli.json.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOAL_MS = 300;
const RUNS = 15;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function wallMs(argv: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return ms;
}

function stats(samples: number[]): { medianMs: number; minMs: number; maxMs: number } {
  const s = [...samples].sort((a, b) => a - b);
  const round = (v: number): number => Math.round(v * 10) / 10;
  return { medianMs: round(s[Math.floor(s.length / 2)]!), minMs: round(s[0]!), maxMs: round(s[s.length - 1]!) };
}

const stage = mkdtempSync(join(tmpdir(), 'tsyolo-bench-cli-'));
try {
  for (const part of ['bin', 'dist', 'configs', 'package.json']) cpSync(join(repo, part), join(stage, part), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(stage, 'node_modules'));
  const load = loadavg()[0]!;
  const cases = [
    { what: 'node -e 0 (Node start-up alone)', argv: ['-e', '0'] },
    { what: 'tsyolo --version', argv: ['bin/tsyolo.js', '--version'] },
    { what: 'tsyolo --help', argv: ['bin/tsyolo.js', '--help'] },
    { what: 'tsyolo train --help', argv: ['bin/tsyolo.js', 'train', '--help'] },
  ];
  const results = cases.map(({ what, argv }) => {
    wallMs(argv, stage); // warm the file cache
    const r = { what, ...stats(Array.from({ length: RUNS }, () => wallMs(argv, stage))) };
    console.log(`${what.padEnd(34)} median ${r.medianMs} ms (min ${r.minMs}, max ${r.maxMs})`);
    return r;
  });
  const cpu = cpus();
  const out = {
    machine: `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, Node ${process.version}, load average ${load.toFixed(2)} at start`,
    method: `wall time of a child process, median of ${RUNS} runs after one warm-up, compiled package staged without src/`,
    goalMs: GOAL_MS,
    // The goal is for --help and --version; a subcommand's help is shown for comparison.
    meetsGoal: results.filter((r) => ['tsyolo --version', 'tsyolo --help'].includes(r.what)).every((r) => r.medianMs <= GOAL_MS),
    results,
  };
  const file = join(repo, 'bench', 'results', 'cli.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
