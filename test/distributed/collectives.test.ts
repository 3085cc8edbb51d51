// c10d collectives between real processes on 127.0.0.1: two ranks allreduce, broadcast and pass a barrier with the
// right values; a rank that never arrives ends the other with a timeout error naming it. Bounded: every child has a
// hard time limit, and the collectives their own timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort } from './helpers/free-port.ts';
import { fileURLToPath } from 'node:url';

import { ProcessGroup, TCPStore, isBackendAvailable } from '../../src/distributed/index.ts';
import * as torch from '../../src/tensor/index.ts';

const rankScript = fileURLToPath(new URL('./helpers/rank.ts', import.meta.url));
const CHILD_LIMIT_MS = 90_000;

interface RankResult {
  code: number | null;
  report: Record<string, unknown>;
}

function runRank(scenario: string, rank: number, worldSize: number, port: number): { done: Promise<RankResult>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', rankScript, scenario, String(rank), String(worldSize), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_LIMIT_MS,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const done = new Promise<RankResult>((resolve) => {
    child.on('close', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      resolve({ code, report: line ? (JSON.parse(line) as Record<string, unknown>) : { error: `no report; stderr: ${err}` } });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

test('Gloo is compiled into the addon', () => {
  assert.equal(isBackendAvailable('gloo'), true);
});

test('one rank in process: the store keeps values, a one-rank group leaves tensors as they are', () => {
  const store = new TCPStore({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 10_000 });
  assert.ok(store.port > 0, 'port 0 picks a free port');
  assert.equal(store.check('k'), false);
  store.set('k', 'v 1');
  assert.equal(store.check('k'), true);
  assert.equal(store.get('k'), 'v 1');
  assert.equal(store.add('n', 2), 2);
  assert.equal(store.add('n', 3), 5);
  const group = new ProcessGroup(store, { rank: 0, worldSize: 1, timeoutMs: 10_000, deviceHost: '127.0.0.1' });
  torch.tidy(() => {
    assert.deepEqual(group.allreduce(torch.tensor([1, 2])).tolist(), [1, 2]);
    assert.deepEqual(group.allreduce(torch.tensor([1, 2]), 'avg').tolist(), [1, 2]);
    assert.deepEqual(group.broadcast(torch.tensor([4])).tolist(), [4]);
    assert.throws(() => group.allreduce(torch.ones([2, 3]).transpose(0, 1)), /allreduce \(#\d+\) failed on rank 0 of 1: every rank arrived; allreduce needs a contiguous tensor/);
  });
  group.barrier();
  group.close();
  assert.throws(() => group.barrier(), /process group \d+ does not exist/);
  store.close();
});

test('bad arguments are errors naming the value', () => {
  assert.throws(() => new TCPStore({ host: '127.0.0.1', port: 70000, worldSize: 1, isMaster: true }), /store port must be 0\.\.65535, got 70000/);
  assert.throws(() => new TCPStore({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 0 }), /store timeout must be a positive number of milliseconds, got 0/);
  const store = new TCPStore({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 10_000 });
  assert.throws(() => new ProcessGroup(store, { rank: 2, worldSize: 2, timeoutMs: 1000 }), /rank 2 is outside 0\.\.1/);
  store.close();
});

test('two ranks: allreduce (sum, avg), broadcast and barrier give the right values', async () => {
  const port = await freePort();
  const ranks = [0, 1].map((r) => runRank('collectives', r, 2, port));
  const results = await Promise.all(ranks.map((r) => r.done));
  for (const [rank, { code, report }] of results.entries()) {
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.rank, rank);
    assert.deepEqual(report.sum, [3, 30]);
    assert.deepEqual(report.avg, [1.5, 15]);
    assert.deepEqual(report.broadcast, [1, 1, 1]);
    assert.equal(report.bigMin, 2);
    assert.equal(report.bigMax, 2);
  }
});

test('a rank that never arrives ends the other with a timeout error naming it', async () => {
  const port = await freePort();
  const [waiting, absent] = [runRank('absent', 0, 2, port), runRank('absent', 1, 2, port)];
  const { code, report } = await waiting!.done;
  absent!.kill();
  await absent!.done;
  assert.equal(code, 1);
  const message = String(report.error);
  assert.match(message, /^allreduce \(#2\) failed on rank 0 of 2: rank 1 did not arrive \(its last step: joining the group #1\); allreduce failed after at most 3000 ms/);
});

test('a rank whose process ends makes the collective of the other fail at once, naming it', async () => {
  const port = await freePort();
  const [survivor, dying] = [runRank('dies', 0, 2, port), runRank('dies', 1, 2, port)];
  const [{ code, report }] = await Promise.all([survivor.done, dying.done]);
  assert.equal(code, 1);
  assert.match(String(report.error), /^allreduce \(#2\) failed on rank 0 of 2: rank 1 did not arrive \(its last step: joining the group #1\); allreduce failed after at most 60000 ms: /);
});
