// Collectives over ranks (libtorch's c10d process groups: Gloo on CPU, NCCL on CUDA), with timeouts. Tensors are
// changed in place, as in torch.distributed. A failed or timed-out collective throws a DistributedError naming the
// ranks that had not arrived: before each collective a rank records its progress in the store.
import { native } from '../native/binding.ts';
import { Tensor } from '../tensor/tensor.ts';
import { DEFAULT_TIMEOUT_MS, type TCPStore } from './store.ts';

/** A c10d backend: Gloo (CPU) or NCCL (CUDA). */
export type Backend = 'gloo' | 'nccl';

/** Options of a ProcessGroup. */
export interface ProcessGroupOptions {
  /** This rank's index. */
  rank: number;
  /** Ranks in the group. */
  worldSize: number;
  /** The c10d backend (default gloo). */
  backend?: Backend;
  /** Limit for connecting and for each collective, in ms (PyTorch's default is 1 800 000). */
  timeoutMs?: number;
  /** Gloo: the address other ranks reach this one at; default: this machine's hostname, as PyTorch. */
  deviceHost?: string;
  /** Distinguishes several groups on one store. */
  name?: string;
}

/** A collective that failed or timed out; the message names the ranks that had not arrived. */
export class DistributedError extends Error {
  /** The error's name. */
  override name = 'DistributedError';
}

/** Whether the addon was built with this backend (NCCL needs a CUDA libtorch). */
export function isBackendAvailable(backend: Backend): boolean {
  return backend === 'gloo' ? native.glooAvailable() : native.ncclAvailable();
}

/** A c10d process group: allreduce, broadcast and barrier among the ranks of a TCPStore. */
export class ProcessGroup {
  /** This rank's index. */
  readonly rank: number;
  /** Ranks in the group. */
  readonly worldSize: number;
  /** Its c10d backend. */
  readonly backend: Backend;
  /** Limit for connecting and for each collective, in ms. */
  readonly timeoutMs: number;
  readonly #store: TCPStore;
  readonly #id: number;
  readonly #prefix: string;
  #seq = 0;

  /** Joins the group: blocks until all `worldSize` ranks have joined, or throws after the timeout. */
  constructor(store: TCPStore, o: ProcessGroupOptions) {
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.backend = o.backend ?? 'gloo';
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#store = store;
    this.#prefix = `tsyolo/${o.name ?? 'default'}`;
    this.#id = this.#collective('joining the group', () =>
      this.backend === 'gloo'
        ? native.processGroupGlooCreate(store.id, o.rank, o.worldSize, o.deviceHost ?? '', this.timeoutMs)
        : native.processGroupNcclCreate(store.id, o.rank, o.worldSize, this.timeoutMs),
    );
  }

  /** Sums `tensor` over all ranks, in place ('avg' then divides by the world size, as ReduceOp.AVG). */
  allreduce(tensor: Tensor, op: 'sum' | 'avg' = 'sum'): Tensor {
    this.#collective('allreduce', () => native.allreduce(this.#id, tensor.handle, this.timeoutMs));
    if (op === 'avg') tensor.mul_(1 / this.worldSize);
    return tensor;
  }

  /** A new tensor: the sum over ranks, whose gradient is summed over ranks too (torch.distributed.nn.all_reduce). */
  allreduceWithGrad(tensor: Tensor): Tensor {
    return new Tensor(this.#collective('allreduce with grad', () => native.allreduceWithGrad(this.#id, tensor.handle, this.timeoutMs)));
  }

  /** Copies rank `src`'s tensor into every rank's, in place. */
  broadcast(tensor: Tensor, src = 0): Tensor {
    this.#collective('broadcast', () => native.broadcast(this.#id, tensor.handle, src, this.timeoutMs));
    return tensor;
  }

  /** Returns when every rank has reached it. */
  barrier(): void {
    this.#collective('barrier', () => native.barrier(this.#id, this.timeoutMs));
  }

  /** Leaves the group and frees it. */
  close(): void {
    native.processGroupRelease(this.#id);
  }

  #collective<T>(what: string, run: () => T): T {
    const seq = ++this.#seq;
    this.#store.set(this.#progressKey(this.rank), `${seq} ${what}`);
    try {
      return run();
    } catch (e) {
      throw new DistributedError(`${what} (#${seq}) failed on rank ${this.rank} of ${this.worldSize}: ${this.#laggards(seq)}; ${(e as Error).message}`);
    }
  }

  #progressKey(rank: number): string {
    return `${this.#prefix}/progress/rank${rank}`;
  }

  /** Which ranks had not reached collective number `seq`, read from their progress in the store. */
  #laggards(seq: number): string {
    const behind: string[] = [];
    try {
      for (let r = 0; r < this.worldSize; r++) {
        if (r === this.rank) continue;
        if (!this.#store.check(this.#progressKey(r))) {
          behind.push(`rank ${r} never arrived`);
          continue;
        }
        const progress = this.#store.get(this.#progressKey(r));
        const theirs = Number.parseInt(progress, 10);
        if (theirs < seq) behind.push(`rank ${r} did not arrive (its last step: ${progress.slice(progress.indexOf(' ') + 1)} #${theirs})`);
      }
    } catch (e) {
      return `the store at ${this.#store.host} is unreachable, so its host (rank 0) has probably died (${(e as Error).message.split('\n')[0]})`;
    }
    return behind.length > 0 ? behind.join(', ') : 'every rank arrived';
  }
}
