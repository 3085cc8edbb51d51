// The pieces of DDP that need no second process: DistributedSampler's split of an epoch (padding included) and the
// loader's shards, torchrun's environment variables, and how tensors are packed into collective buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardOrder, shardSize } from '../../src/data/distributed-sampler.ts';
import { createLoader } from '../../src/data/loader.ts';
import { packBuckets } from '../../src/distributed/buckets.ts';
import { glooHostFor, readRankEnvironment } from '../../src/distributed/environment.ts';
import * as torch from '../../src/tensor/index.ts';

test('shardOrder pads by repeating the start, then strides from the rank (torch DistributedSampler)', () => {
  const order = [4, 0, 3, 1, 2];
  assert.equal(shardSize(5, { rank: 0, worldSize: 2 }), 3);
  assert.deepEqual(shardOrder(order, { rank: 0, worldSize: 2 }), [4, 3, 2]);
  assert.deepEqual(shardOrder(order, { rank: 1, worldSize: 2 }), [0, 1, 4]);
  // More ranks than items: the order repeats until every rank has one.
  assert.deepEqual([0, 1, 2].map((rank) => shardOrder([7, 8], { rank, worldSize: 3 })), [[7], [8], [7]]);
  assert.deepEqual(shardOrder([5, 6, 7, 8], { rank: 1, worldSize: 2 }), [6, 8], 'no padding when it divides');
});

test("the loader's shards: same shuffled order on every rank, disjoint shares that cover the epoch, reshuffled per epoch", () => {
  const n = 11;
  const source = { imFiles: Array.from({ length: n }, (_, i) => `img${i}.jpg`), labels: Array.from({ length: n }, () => new Float32Array(0)), shapes: Array.from({ length: n }, () => [32, 32] as [number, number]) };
  const loaders = [0, 1, 2].map((rank) => createLoader({ source, batchSize: 2, imgSize: 32, stride: 32, shuffle: true, seed: 3, shard: { rank, worldSize: 3 } }));
  const full = createLoader({ source, batchSize: 2, imgSize: 32, stride: 32, shuffle: true, seed: 3 });
  for (const epoch of [0, 1]) {
    const order = full.epochBatches(epoch).flat();
    const shares = loaders.map((l) => l.epochBatches(epoch).flat());
    for (const [rank, share] of shares.entries()) assert.deepEqual(share, shardOrder(order, { rank, worldSize: 3 }), `rank ${rank}, epoch ${epoch}`);
    assert.deepEqual([...new Set(shares.flat())].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every image is in some share');
    assert.equal(shares.flat().length, 12, '11 images padded to 12');
  }
  assert.notDeepEqual(loaders[0]!.epochBatches(0), loaders[0]!.epochBatches(1), 'a new order each epoch');
  assert.equal(loaders[0]!.length, 2, '4 items per rank in batches of 2');
  assert.throws(() => createLoader({ source, batchSize: 2, imgSize: 32, stride: 32, shard: { rank: 3, worldSize: 3 } }), /shard: rank must be in 0\.\.2, got 3/);
});

test("torchrun's environment: absent → not a rank; values checked with the variable's name", () => {
  assert.equal(readRankEnvironment({}), null);
  assert.deepEqual(readRankEnvironment({ RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '1234' }), { rank: 1, worldSize: 4, localRank: 1, localWorldSize: 2, masterAddr: '10.0.0.5', masterPort: 1234 });
  assert.deepEqual(readRankEnvironment({ RANK: '0', WORLD_SIZE: '2' }), { rank: 0, worldSize: 2, localRank: 0, localWorldSize: 2, masterAddr: '127.0.0.1', masterPort: 29500 });
  assert.throws(() => readRankEnvironment({ RANK: '2', WORLD_SIZE: '2' }), /environment variable RANK='2' must be an integer in 0\.\.1/);
  assert.throws(() => readRankEnvironment({ RANK: '0' }), /RANK and WORLD_SIZE go together; only RANK is set/);
  assert.throws(() => readRankEnvironment({ RANK: '0', WORLD_SIZE: '2', MASTER_PORT: 'x' }), /MASTER_PORT='x' must be an integer in 1\.\.65535/);
  assert.equal(glooHostFor('127.0.0.1'), '127.0.0.1');
  assert.equal(glooHostFor('localhost'), '127.0.0.1');
  assert.equal(glooHostFor('10.0.0.5'), '', 'another machine: Gloo listens on the hostname');
});

test('packBuckets: consecutive tensors up to the byte cap, a new bucket per dtype, an oversized tensor alone', () => {
  torch.tidy(() => {
    const a = torch.zeros([10]); // 40 bytes
    const b = torch.zeros([10]);
    const c = torch.zeros([30]); // 120 bytes: over the cap, alone
    const d = torch.zeros([2], { dtype: 'int64' });
    const e = torch.zeros([5]);
    const buckets = packBuckets([a, b, c, d, e], 100);
    assert.deepEqual(buckets.map((bk) => bk.map((t) => t.numel)), [[10, 10], [30], [2], [5]]);
  });
});
