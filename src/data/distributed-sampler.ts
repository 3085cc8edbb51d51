// torch.utils.data.DistributedSampler's split of an epoch (what YOLOv5 v7.0's create_dataloader uses under DDP):
// every rank computes the same epoch order from the same seed, pads it by repeating its start to a multiple of
// the rank count, then takes every worldSize-th position from its rank — equal shares, each image once per epoch
// (plus at most worldSize − 1 repeats).

export interface Shard {
  rank: number;
  worldSize: number;
}

export function checkShard(s: Shard): void {
  if (!Number.isInteger(s.worldSize) || s.worldSize < 1) throw new Error(`shard: worldSize must be a positive integer, got ${s.worldSize}`);
  if (!Number.isInteger(s.rank) || s.rank < 0 || s.rank >= s.worldSize) throw new Error(`shard: rank must be in 0..${s.worldSize - 1}, got ${s.rank}`);
}

/** Items per rank for a dataset of n (DistributedSampler's num_samples, drop_last=False). */
export function shardSize(n: number, s: Shard): number {
  return Math.ceil(n / s.worldSize);
}

/** This rank's positions of `order` (all ranks must pass the same order). */
export function shardOrder(order: readonly number[], s: Shard): number[] {
  const total = shardSize(order.length, s) * s.worldSize;
  const padded = [...order];
  while (padded.length < total && order.length > 0) padded.push(...order.slice(0, total - padded.length));
  const mine: number[] = [];
  for (let k = s.rank; k < total; k += s.worldSize) mine.push(padded[k]!);
  return mine;
}
