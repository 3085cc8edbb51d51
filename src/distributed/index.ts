// Data-parallel building blocks on libtorch's c10d: a TCP key-value store and process groups (Gloo, NCCL).
export { TCPStore, type TCPStoreOptions } from './store.ts';
export { ProcessGroup, DistributedError, isBackendAvailable, type Backend, type ProcessGroupOptions } from './process-group.ts';
