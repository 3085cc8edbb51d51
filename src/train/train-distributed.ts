// The distributed phase of training (YOLOv5's DDP mode): which rank this process is and what ranks do together.
// A single process gets SINGLE_PROCESS, whose hooks do nothing, so the trainer's hot path is the same code.
// Rank 0 (the master) alone validates, logs, plots and writes files; the other ranks wait for it in a collective.
import { availableParallelism } from 'node:os';
import { DistributedError, ProcessGroup, TCPStore, allreduceMean, broadcastTensors, glooHostFor, isBackendAvailable, type RankEnvironment } from '../distributed/index.ts';
import { selectDevice } from '../run/select-device.ts';
import { tensor } from '../tensor/create.ts';
import { setNumThreads } from '../tensor/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { convertSyncBatchNorm } from '../nn/batchnorm2d.ts';
import type { Module } from '../nn/module.ts';

export interface TrainDistributed {
  rank: number;
  worldSize: number;
  localRank: number;
  /** Rank 0 (or the only process): validates, logs, plots, writes checkpoints. */
  isMaster: boolean;
  /** The libtorch device of this rank ('cpu', or cuda:<its entry of --device 0,1>). */
  device(flag: string): string;
  /** Runs fn on the master first, then on the others (torch_distributed_zero_first: the master writes caches). */
  masterFirst<T>(fn: () => Promise<T>): Promise<T>;
  /** A text the master decides (the run folder) — every rank gets the master's. */
  shareText(key: string, master: () => string): string;
  /** Weights and buffers become the master's (DDP's start). */
  broadcastModel(model: Module): void;
  /** Gradients become their mean over ranks, in 25 MB buckets (before each optimizer step). */
  averageGradients(params: Tensor[]): void;
  /** The master's decision (early stopping) for every rank. */
  shareFlag(master: boolean): boolean;
  /** --sync-bn: the model's BatchNorm layers normalise over every rank's batch; returns how many. */
  syncBatchNorm(model: Module): number;
  close(): void;
}

export const SINGLE_PROCESS: TrainDistributed = {
  rank: 0,
  worldSize: 1,
  localRank: 0,
  isMaster: true,
  device: (flag) => selectDevice(flag),
  masterFirst: (fn) => fn(),
  shareText: (_key, master) => master(),
  broadcastModel: () => {},
  averageGradients: () => {},
  shareFlag: (master) => master,
  syncBatchNorm: () => 0,
  close: () => {},
};

/** `--device 0,1` on rank with local rank r → its r-th device; one device (or cpu) is every rank's. */
function rankDevice(flag: string, env: RankEnvironment): string {
  const list = flag.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (list.length > 1) {
    if (list.length < env.localWorldSize) throw new Error(`--device ${flag} lists ${list.length} devices for ${env.localWorldSize} ranks on this machine`);
    return selectDevice(list[env.localRank]!);
  }
  const device = selectDevice(flag);
  return device.startsWith('cuda') ? selectDevice(String(env.localRank)) : device;
}

class RankGroup implements TrainDistributed {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly isMaster: boolean;
  readonly #env: RankEnvironment;
  readonly #store: TCPStore;
  readonly #group: ProcessGroup;

  constructor(env: RankEnvironment, store: TCPStore, group: ProcessGroup) {
    this.#env = env;
    this.rank = env.rank;
    this.worldSize = env.worldSize;
    this.localRank = env.localRank;
    this.isMaster = env.rank === 0;
    this.#store = store;
    this.#group = group;
  }
  device(flag: string): string {
    return rankDevice(flag, this.#env);
  }
  async masterFirst<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.isMaster) this.#group.barrier();
    const result = await fn();
    if (this.isMaster) this.#group.barrier();
    return result;
  }
  shareText(key: string, master: () => string): string {
    const name = `tsyolo/train/${key}`;
    if (this.isMaster) this.#store.set(name, master());
    // Waits up to the store's timeout: the master may be writing hyp.yaml and opt.yaml meanwhile.
    return this.#store.get(name);
  }
  broadcastModel(model: Module): void {
    broadcastTensors(this.#group, [...model.stateDict().values()], 0);
  }
  averageGradients(params: Tensor[]): void {
    const grads: Tensor[] = [];
    for (const p of params) {
      const g = p.grad;
      if (g) grads.push(g);
    }
    try {
      allreduceMean(this.#group, grads);
    } finally {
      for (const g of grads) g.dispose();
    }
  }
  shareFlag(master: boolean): boolean {
    const t = tensor([master ? 1 : 0], { dtype: 'int32' });
    try {
      return this.#group.broadcast(t, 0).item() === 1;
    } finally {
      t.dispose();
    }
  }
  syncBatchNorm(model: Module): number {
    return convertSyncBatchNorm(model, (t) => this.#group.allreduceWithGrad(t));
  }
  close(): void {
    this.#group.close();
    this.#store.close();
  }
}

export interface JoinOptions {
  /** --device as given ('' / cpu: Gloo; CUDA devices: NCCL). */
  device: string;
  /** Limit for joining and for each collective (seconds). */
  timeoutS: number;
  log: (line: string) => void;
}

/** This process as a rank of `env`: torch threads set to cores / local ranks (or OMP_NUM_THREADS), the store and
 * process group joined. */
export function joinTraining(env: RankEnvironment | null, o: JoinOptions): TrainDistributed {
  if (!env || env.worldSize === 1) return SINGLE_PROCESS;
  // Cores shared by this machine's ranks; OMP_NUM_THREADS, when set, wins (as with torchrun).
  const omp = Number(process.env.OMP_NUM_THREADS);
  const threads = Number.isInteger(omp) && omp > 0 ? omp : Math.max(1, Math.floor(availableParallelism() / env.localWorldSize));
  setNumThreads(threads);
  const cudaRank = rankDevice(o.device, env).startsWith('cuda');
  const backend = cudaRank ? 'nccl' : 'gloo';
  if (!isBackendAvailable(backend)) {
    throw new Error(cudaRank
      ? `--device ${o.device}: this libtorch was built without NCCL, which multi-GPU training needs; use --device cpu (Gloo)`
      : 'this addon was built without Gloo (libgloo-dev); run npm run setup');
  }
  const timeoutMs = Math.round(o.timeoutS * 1000);
  let store: TCPStore;
  try {
    store = new TCPStore({ host: env.masterAddr, port: env.masterPort, worldSize: env.worldSize, isMaster: env.rank === 0, timeoutMs });
  } catch (e) {
    const role = env.rank === 0 ? `could not listen on ${env.masterAddr}:${env.masterPort} (--master-addr/--master-port)` : `could not reach rank 0 at ${env.masterAddr}:${env.masterPort}`;
    throw new DistributedError(`rank ${env.rank} of ${env.worldSize}: ${role}: ${(e as Error).message.split('\n')[0]}`);
  }
  const group = new ProcessGroup(store, { rank: env.rank, worldSize: env.worldSize, backend, timeoutMs, deviceHost: glooHostFor(env.masterAddr) });
  if (env.rank === 0) o.log(`DDP: ${env.worldSize} ranks (${backend}), rendezvous at ${env.masterAddr}:${env.masterPort}, ${threads} torch thread${threads > 1 ? 's' : ''} per rank`);
  return new RankGroup(env, store, group);
}
