// Data-parallel building blocks on libtorch's c10d: a TCP key-value store and process groups (Gloo, NCCL), bucketed
// collectives over many tensors, torchrun's environment and a launcher for rank processes.
export { TCPStore, type TCPStoreOptions } from './store.ts';
export { ProcessGroup, DistributedError, isBackendAvailable, type Backend, type ProcessGroupOptions } from './process-group.ts';
export { BUCKET_BYTES, allreduceMean, broadcastTensors, packBuckets } from './buckets.ts';
export { DEFAULT_MASTER_PORT, glooHostFor, readRankEnvironment, type RankEnvironment } from './environment.ts';
export { RankFailure, launchRanks, type LaunchOptions, type LaunchResult } from './launcher.ts';
