// `tsyolo train --nproc-per-node 2` on 127.0.0.1: one run folder whose checkpoint validates; a rank killed with
// SIGKILL ends the other with an error naming it, a non-zero exit and no half-written checkpoint, and --resume with
// two ranks finishes that run; a hung rank ends the other after the timeout; Ctrl-C stops every rank with exit 130; --nnodes 2 with two launchers (node ranks 0
// and 1) trains as one run. Every child has a hard time limit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from '../distributed/helpers/free-port.ts';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadModel } from '../../src/yolo/load-model.ts';
import { baseArgs, checkpointMeta, makeDigits, readResults, runCli, startCli, waitForEpoch } from './harness.ts';

let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('ddp')));
after(() => rmSync(base, { recursive: true, force: true }));

async function ddpArgs(project: string, epochs: number): Promise<string[]> {
  return [...baseArgs(data, project), '--epochs', String(epochs), '--noplots', '--nproc-per-node', '2', '--master-port', String(await freePort()), '--ddp-timeout', '60'];
}

/** The rank processes a launcher started: pid → RANK from their environment. */
function rankPids(launcherPid: number): Map<number, number> {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(launcherPid)], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((p) => p > 0);
  const ranks = new Map<number, number>();
  for (const pid of pids) {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const rank = env.find((e) => e.startsWith('RANK='));
    if (rank) ranks.set(Number(rank.slice(5)), pid);
  }
  return ranks;
}

function leftoverTemps(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.tmp-')) : [];
}

test('bad DDP flags are refused before any rank starts or any run folder is made, in one line naming the flag', async () => {
  const project = join(base, 'runs', 'bad');
  const cases: Array<[string[], RegExp]> = [
    [['--batch', '5'], /--batch 5 must be a multiple of the 2 ranks \(--nproc-per-node 2 × --nnodes 1\)/],
    [['--nnodes', '2', '--node-rank', '2'], /--node-rank must be in 0\.\.1 \(--nnodes 2\), got 2/],
    [['--nproc-per-node', '0'], /--nproc-per-node/],
  ];
  for (const [flags, message] of cases) {
    const args = [...(await ddpArgs(project, 1)), ...flags];
    const r = await runCli(args, base);
    assert.equal(r.code, 1, `${flags.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(project), `${flags.join(' ')} made ${project}`);
  }
});

test('2 ranks × 2 epochs (--sync-bn): one run folder, rank 0 alone logs, the checkpoint validates', async () => {
  const project = join(base, 'runs', 'two');
  const r = await runCli([...(await ddpArgs(project, 2)), '--sync-bn'], base);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(readdirSync(project), ['exp'], 'both ranks train into one run folder');
  assert.match(r.stdout, /DDP: 2 ranks \(gloo\), rendezvous at 127\.0\.0\.1:\d+, 1 torch thread per rank/);
  assert.equal(r.stdout.match(/Starting training for 2 epochs/g)?.length, 1, 'only rank 0 logs');
  assert.match(r.stdout, /Using SyncBatchNorm\(\)/);
  // 16 images, --batch 8: 4 per rank, so 2 batches per epoch on each rank.
  assert.match(r.stdout, /2\/2 \d\d:\d\d\n/);
  assert.deepEqual(readResults(join(project, 'exp', 'results.csv')).rows.map((row) => row[0]), [0, 1]);
  assert.match(readFileSync(join(project, 'exp', 'opt.yaml'), 'utf8'), /nproc_per_node: 2/);
  const best = join(project, 'exp', 'weights', 'best.safetensors');
  const v = await runCli(['val', '--weights', best, '--data', data, '--img', '96', '--workers', '0', '--project', join(base, 'runs', 'val')], base);
  assert.equal(v.code, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /all\s+8\s+25/);
});

test('a rank killed with SIGKILL ends the other with an error naming it; no half-written checkpoint; --resume on 2 ranks finishes the run', async () => {
  const project = join(base, 'runs', 'kill');
  const weights = join(project, 'exp', 'weights');
  const last = join(weights, 'last.safetensors');
  const run = startCli(await ddpArgs(project, 6), base);
  await waitForEpoch(last, 0, run.done, 120_000);
  const ranks = rankPids(run.child.pid!);
  assert.equal(ranks.size, 2, `two rank processes under the launcher, found ${[...ranks]}`);
  const t0 = Date.now();
  process.kill(ranks.get(1)!, 'SIGKILL');
  const r = await run.done;
  assert.ok(Date.now() - t0 < 60_000, 'every rank ended well within the timeout');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`rank 1 \\(local rank 1, pid ${ranks.get(1)}\\) was killed by SIGKILL`), r.stderr);
  // Rank 0 names the rank it lost when it was waiting for it; when the kill lands inside a collective every rank had
  // already joined, gloo can only report the closed connection (the launcher's line above names the killed rank).
  assert.match(r.stderr, /error: rank 0: .*failed on rank 0 of 2: (.*rank 1|every rank arrived; .*Connection closed by peer)/, 'rank 0 says which rank it lost');
  assert.deepEqual(leftoverTemps(weights), [], 'no half-written file in weights/');
  const epoch = Number(checkpointMeta(last).epoch);
  assert.ok(epoch >= 0 && epoch < 5, `last.safetensors is a completed epoch (${epoch})`);
  loadModel(last).model.dispose();

  const resumed = await runCli(['train', '--resume', last, '--nproc-per-node', '2', '--master-port', String(await freePort()), '--ddp-timeout', '60'], base);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, new RegExp(`from epoch ${epoch + 1} to 6 total epochs`));
  assert.deepEqual(readResults(join(project, 'exp', 'results.csv')).rows.map((row) => row[0]), [0, 1, 2, 3, 4, 5]);
  assert.equal(checkpointMeta(last).epoch, '-1', 'the finished run strips last');
});

test('a rank that hangs (SIGSTOP) ends the other after --ddp-timeout with an error naming it; the launcher then ends the hung rank', async () => {
  const project = join(base, 'runs', 'hang');
  const weights = join(project, 'exp', 'weights');
  const last = join(weights, 'last.safetensors');
  const args = (await ddpArgs(project, 20)).map((a, i, all) => (all[i - 1] === '--ddp-timeout' ? '30' : a));
  const run = startCli(args, base);
  await waitForEpoch(last, 0, run.done, 120_000);
  const ranks = rankPids(run.child.pid!);
  const t0 = Date.now();
  process.kill(ranks.get(1)!, 'SIGSTOP');
  const r = await run.done;
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < 30 + 2 * 10 + 30, `ended ${seconds.toFixed(0)} s after the hang: the timeout, the launcher's grace periods, slack`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error: rank 0: \w+ \(#\d+\) failed on rank 0 of 2: rank 1 did not arrive \(its last step: .*\); .*30000 ms/, r.stderr);
  assert.match(r.stderr, new RegExp(`rank 1 \\(local rank 1, pid ${ranks.get(1)}\\) was killed by SIGKILL`));
  assert.throws(() => process.kill(ranks.get(1)!, 0), /ESRCH/, 'the hung rank was ended');
  assert.deepEqual(leftoverTemps(weights), []);
  loadModel(last).model.dispose();
});

test('Ctrl-C (SIGINT to the launcher) stops every rank: exit 130, the last completed epoch kept for --resume', async () => {
  const project = join(base, 'runs', 'sigint');
  const last = join(project, 'exp', 'weights', 'last.safetensors');
  const run = startCli(await ddpArgs(project, 20), base);
  await waitForEpoch(last, 0, run.done, 120_000);
  const ranks = rankPids(run.child.pid!);
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /training interrupted; .*last\.safetensors holds the state to resume from/);
  for (const pid of ranks.values()) assert.throws(() => process.kill(pid, 0), /ESRCH/, `rank pid ${pid} has ended`);
  loadModel(last).model.dispose();
});

test('--nnodes 2 on 127.0.0.1: two launchers (node ranks 0 and 1) train one run', async () => {
  const project = join(base, 'runs', 'nodes');
  const port = String(await freePort());
  const node = (rank: number) => startCli([...baseArgs(data, project), '--epochs', '1', '--noplots', '--nnodes', '2', '--node-rank', String(rank), '--nproc-per-node', '1', '--master-addr', '127.0.0.1', '--master-port', port, '--ddp-timeout', '60'], base);
  // Both "machines" share this one's cores: one torch thread per rank, as a real node with one core per rank gets.
  process.env.OMP_NUM_THREADS = '1';
  const [n0, n1] = [node(0), node(1)];
  delete process.env.OMP_NUM_THREADS;
  const [r0, r1] = await Promise.all([n0.done, n1.done]);
  assert.match(r0.stdout, /1 torch thread per rank/);
  assert.equal(r0.code, 0, r0.stderr + r0.stdout);
  assert.equal(r1.code, 0, r1.stderr + r1.stdout);
  assert.match(r0.stdout, /DDP: 2 ranks \(gloo\)/);
  assert.match(r0.stdout, /final mAP50/);
  assert.match(r1.stdout, /rank 1 done; rank 0 holds the results/);
  assert.deepEqual(readdirSync(project), ['exp']);
  loadModel(join(project, 'exp', 'weights', 'best.safetensors')).model.dispose();
});
