// torchrun's environment contract: a launcher (tsyolo's own, torchrun, Slurm scripts) tells each rank process who it
// is through RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT.

/** Who this rank is, as torchrun's environment variables say (RANK, WORLD_SIZE, LOCAL_RANK, …). */
export interface RankEnvironment {
  /** This rank's index among all ranks (RANK). */
  rank: number;
  /** Ranks taking part (WORLD_SIZE). */
  worldSize: number;
  /** This rank's index on its machine. */
  localRank: number;
  /** Ranks on this machine (LOCAL_WORLD_SIZE; torchrun sets it, others may not: then WORLD_SIZE). */
  localWorldSize: number;
  /** Where rank 0 hosts the TCPStore. */
  masterAddr: string;
  /** The TCPStore's port on rank 0 (MASTER_PORT). */
  masterPort: number;
}

/** torchrun's default rendezvous port. */
export const DEFAULT_MASTER_PORT = 29500;

function integerVar(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number {
  const raw = env[name]!;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new Error(`environment variable ${name}='${raw}' must be an integer in ${min}..${max}`);
  }
  return value;
}

/** The rank this process was started as, or null when RANK and WORLD_SIZE are not both set (not a launched rank). */
export function readRankEnvironment(env: NodeJS.ProcessEnv = process.env): RankEnvironment | null {
  if (env.RANK === undefined && env.WORLD_SIZE === undefined) return null;
  if (env.RANK === undefined || env.WORLD_SIZE === undefined) {
    throw new Error(`environment variables RANK and WORLD_SIZE go together; only ${env.RANK === undefined ? 'WORLD_SIZE' : 'RANK'} is set`);
  }
  const worldSize = integerVar(env, 'WORLD_SIZE', 1, 65535);
  const rank = integerVar(env, 'RANK', 0, worldSize - 1);
  const localWorldSize = env.LOCAL_WORLD_SIZE === undefined ? worldSize : integerVar(env, 'LOCAL_WORLD_SIZE', 1, worldSize);
  const localRank = env.LOCAL_RANK === undefined ? rank : integerVar(env, 'LOCAL_RANK', 0, localWorldSize - 1);
  const masterAddr = env.MASTER_ADDR ?? '127.0.0.1';
  if (masterAddr.trim() === '') throw new Error('environment variable MASTER_ADDR is empty');
  const masterPort = env.MASTER_PORT === undefined ? DEFAULT_MASTER_PORT : integerVar(env, 'MASTER_PORT', 1, 65535);
  return { rank, worldSize, localRank, localWorldSize, masterAddr, masterPort };
}

/** Loopback masters keep Gloo on 127.0.0.1; otherwise Gloo listens on the hostname, as PyTorch does. */
export function glooHostFor(masterAddr: string): string {
  return /^(127\.|localhost$|::1$)/.test(masterAddr) ? '127.0.0.1' : '';
}
