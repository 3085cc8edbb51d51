// torchrun for tsyolo: starts this machine's share of the ranks as child processes with torchrun's environment
// (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and watches them. When one rank fails,
// the others get a grace period to end by themselves (their collectives fail at once when a peer's connection
// drops, with an error naming it), then SIGTERM, then SIGKILL — so no rank is left waiting. Ctrl-C stops every rank.
import { type ChildProcess, spawn } from 'node:child_process';

/** How launchRanks starts the ranks of this machine (torchrun's flags). */
export interface LaunchOptions {
  /** Ranks to start on this machine. */
  nprocPerNode: number;
  /** Machines taking part. */
  nnodes: number;
  /** This machine's index (0 hosts the rendezvous). */
  nodeRank: number;
  /** Address of node 0. */
  masterAddr: string;
  /** Rendezvous port on node 0. */
  masterPort: number;
  /** The executable and its arguments, run once per rank. */
  command: [string, ...string[]];
  /** Added to this process's environment for every rank. */
  env?: NodeJS.ProcessEnv;
  /** Each rank's standard output (default: passed through); standard error is always passed through. */
  onStdout?: (rank: number, text: string) => void;
  /** How long the other ranks get to end by themselves after one fails, before SIGTERM (and again before SIGKILL). */
  graceMs?: number;
}

/** How the launched ranks ended. */
export interface LaunchResult {
  /** True when Ctrl-C (SIGINT) or SIGTERM stopped the ranks. */
  interrupted: boolean;
}

/** One or more ranks failed; the message names the first, which caused the rest. */
export class RankFailure extends Error {
  /** The error's name. */
  override name = 'RankFailure';
}

interface RankProcess {
  rank: number;
  localRank: number;
  child: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

function checkLaunch(o: LaunchOptions): void {
  const positive = (v: number, flag: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} must be a positive integer, got ${v}`);
  };
  positive(o.nprocPerNode, '--nproc-per-node');
  positive(o.nnodes, '--nnodes');
  if (!Number.isInteger(o.nodeRank) || o.nodeRank < 0 || o.nodeRank >= o.nnodes) {
    throw new Error(`--node-rank must be in 0..${o.nnodes - 1} (--nnodes ${o.nnodes}), got ${o.nodeRank}`);
  }
  if (!Number.isInteger(o.masterPort) || o.masterPort < 1 || o.masterPort > 65535) throw new Error(`--master-port must be in 1..65535, got ${o.masterPort}`);
  if (o.masterAddr.trim() === '') throw new Error('--master-addr is empty');
}

function describeExit(p: RankProcess): string {
  const how = p.exit!.signal ? `was killed by ${p.exit!.signal}` : `exited with code ${p.exit!.code}`;
  return `rank ${p.rank} (local rank ${p.localRank}, pid ${p.child.pid}) ${how}`;
}

/** Starts the ranks and resolves when all ended well; rejects with a RankFailure naming the rank that failed first. */
export function launchRanks(o: LaunchOptions): Promise<LaunchResult> {
  checkLaunch(o);
  const worldSize = o.nprocPerNode * o.nnodes;
  const graceMs = o.graceMs ?? 10_000;
  const [file, ...args] = o.command;
  const ranks: RankProcess[] = [];
  for (let localRank = 0; localRank < o.nprocPerNode; localRank++) {
    const rank = o.nodeRank * o.nprocPerNode + localRank;
    const env = {
      ...process.env,
      ...o.env,
      RANK: String(rank),
      WORLD_SIZE: String(worldSize),
      LOCAL_RANK: String(localRank),
      LOCAL_WORLD_SIZE: String(o.nprocPerNode),
      GROUP_RANK: String(o.nodeRank),
      MASTER_ADDR: o.masterAddr,
      MASTER_PORT: String(o.masterPort),
    };
    const child = spawn(file, args, { env, stdio: ['ignore', o.onStdout ? 'pipe' : 'inherit', 'inherit'] });
    if (o.onStdout) child.stdout!.on('data', (d: Buffer) => o.onStdout!(rank, d.toString()));
    ranks.push({ rank, localRank, child, exit: null });
  }

  return new Promise<LaunchResult>((resolve, reject) => {
    let firstFailure: RankProcess | null = null;
    let interrupted = false;
    const timers: NodeJS.Timeout[] = [];
    const running = () => ranks.filter((p) => p.exit === null);
    const signalRunning = (signal: NodeJS.Signals) => {
      for (const p of running()) p.child.kill(signal);
    };
    const stopRest = () => {
      timers.push(setTimeout(() => signalRunning('SIGTERM'), graceMs));
      timers.push(setTimeout(() => signalRunning('SIGKILL'), 2 * graceMs));
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) {
        signalRunning('SIGKILL');
        return;
      }
      interrupted = true;
      signalRunning(signal);
      stopRest();
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);

    const finished = () => {
      for (const t of timers) clearTimeout(t);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (interrupted) resolve({ interrupted: true });
      else if (firstFailure) {
        const others = ranks.filter((p) => p !== firstFailure && (p.exit!.code !== 0 || p.exit!.signal));
        const rest = others.length > 0 ? `; then ${others.map(describeExit).join(', ')}` : '';
        reject(new RankFailure(`${describeExit(firstFailure)}${rest}: distributed training stopped on every rank`));
      } else resolve({ interrupted: false });
    };

    for (const p of ranks) {
      p.child.on('error', (e) => {
        p.exit ??= { code: 1, signal: null };
        process.stderr.write(`rank ${p.rank}: could not start ${file}: ${e.message}\n`);
      });
      p.child.on('close', (code, signal) => {
        p.exit = { code, signal };
        if ((code !== 0 || signal) && !firstFailure && !interrupted) {
          firstFailure = p;
          stopRest();
        }
        if (running().length === 0) finished();
      });
    }
  });
}
