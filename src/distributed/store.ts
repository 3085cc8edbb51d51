// A key-value store all ranks reach over TCP (libtorch's c10d::TCPStore): rendezvous for process groups and small
// shared facts (ports, progress). One rank hosts it (isMaster), the others connect.
import { native } from '../native/binding.ts';

/** Options of a TCPStore. */
export interface TCPStoreOptions {
  /** The master's address (127.0.0.1 for one machine). */
  host: string;
  /** The master's port; 0 on the master picks a free one (read it back from `port`). */
  port: number;
  /** Ranks that will connect. */
  worldSize: number;
  /** Whether this process hosts the store (rank 0). */
  isMaster: boolean;
  /** How long get() and connecting wait, in ms (PyTorch's default is 300 000). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 300_000;

/** c10d's TCPStore: the key-value rendezvous the ranks of a group meet at. */
export class TCPStore {
  /** The engine's id of this store. */
  readonly id: number;
  /** The master's address. */
  readonly host: string;

  constructor(o: TCPStoreOptions) {
    this.host = o.host;
    this.id = native.tcpStoreCreate(o.host, o.port, o.worldSize, o.isMaster, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** The port it listens on (the chosen one when created with port 0). */
  get port(): number {
    return native.storePort(this.id);
  }
  /** Stores `value` under `key`. */
  set(key: string, value: string): void {
    native.storeSet(this.id, key, value);
  }
  /** Waits (up to the store's timeout) until the key exists. */
  get(key: string): string {
    return native.storeGet(this.id, key);
  }
  /** Atomically adds `amount` to the integer stored at key (0 when absent) and returns the result. */
  add(key: string, amount: number): number {
    return native.storeAdd(this.id, key, amount);
  }
  /** Whether the key exists now (does not wait). */
  check(key: string): boolean {
    return native.storeCheck(this.id, key);
  }
  /** Disconnects and frees the store. */
  close(): void {
    native.storeRelease(this.id);
  }
}
