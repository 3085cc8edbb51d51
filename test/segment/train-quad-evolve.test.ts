// segment train --evolve and --quad against YOLOv5's own code (test/fixtures/segment/make_evolve_segment.py,
// make_quad_refusal.py). v7.0 as released cannot evolve a segmentation model (print_mutation fails on the 19 KEYS
// against 12 results): tsyolo runs the loop as ultralytics fixed it (KEYS[4:16] columns, hyperparameters from column
// 12, segment fitness), replayed with the fixture's seeds and a stand-in training — the hyperparameters each
// generation trains with and evolve.csv byte for byte — and hyp_evolve.yaml holds the best row by segment fitness.
// --quad is refused up front with the failure v7.0 meets at its first batch; then one real generation via the CLI.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { generateDigits } from '../../src/data/digits.ts';
import { type GenerationResult, evolve } from '../../src/train/evolve.ts';
import { SEGMENT_EVOLVE_RESULT_KEYS, segmentRowFitness } from '../../src/train/evolve-meta.ts';
import type { TrainInput } from '../../src/train/train-run.ts';
import { runCli } from '../train-cli/harness.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tsyolo-seg-evolve-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Fixture {
  seed: number;
  v7Error: string;
  results: number[][];
  received: Array<Record<string, string>>;
  evolveCsv: string;
  fitness: number[];
  best: { row: number; hyp: Record<string, number> };
}
const fx = JSON.parse(readFileSync(`${FIX}evolve_segment.json`, 'utf8')) as Fixture;

test('v7.0 as released fails to record a segment generation; the columns are KEYS[4:16] in the fixed code', () => {
  assert.equal(fx.v7Error, 'TypeError: not enough arguments for format string');
  const header = fx.evolveCsv.split('\n')[0]!.split(',').map((k) => k.trim());
  assert.deepEqual(header.slice(0, 12), [...SEGMENT_EVOLVE_RESULT_KEYS]);
  assert.equal(header[12], 'lr0');
});

test('segment fitness of evolve.csv rows equals utils/segment/metrics.py fitness', () => {
  const rows = fx.evolveCsv.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  rows.forEach((r, i) => assert.equal(segmentRowFitness(r), fx.fitness[i], `row ${i}`));
});

test(`segment --evolve replays the fixed v7.0 loop: ${fx.results.length} generations, seed ${fx.seed}`, async () => {
  const received: Array<Record<string, number>> = [];
  const lines: string[] = [];
  const trainGeneration = async (input: TrainInput): Promise<GenerationResult> => {
    assert.deepEqual(input.segment, { maskRatio: 4, overlap: true });
    assert.equal(input.noval, true);
    received.push({ ...input.evolveHyp! });
    const r = fx.results[received.length - 1]!;
    return {
      final: { P: r[0]!, R: r[1]!, mAP50: r[2]!, mAP50_95: r[3]! },
      finalMask: { P: r[4]!, R: r[5]!, mAP50: r[6]!, mAP50_95: r[7]! },
      valLosses: [r[8]!, r[10]!, r[11]!],
      segValLoss: r[9]!,
      stoppedBy: 'completed',
    };
  };
  const e = await evolve(
    { hyp: 'hyp.scratch-low.yaml', evolve: fx.results.length, project: join(work, 'replay'), name: 'exp', segment: { maskRatio: 4, overlap: true }, log: (s) => lines.push(s) },
    { trainGeneration, seed: fx.seed },
  );
  assert.equal(received.length, fx.received.length);
  received.forEach((h, g) => {
    assert.deepEqual(Object.keys(h), Object.keys(fx.received[g]!), `generation ${g} keys`);
    for (const [k, v] of Object.entries(fx.received[g]!)) assert.equal(h[k], Number(v), `generation ${g} ${k}`);
  });
  assert.equal(readFileSync(e.evolveCsv, 'utf8'), fx.evolveCsv);
  assert.equal(e.best!.row, fx.best.row);
  assert.deepEqual(e.best!.hyp, fx.best.hyp);
  // hyp_evolve.yaml: the twelve results in its header, then only hyperparameters (usable as --hyp).
  const yamlText = readFileSync(e.hypEvolveYaml, 'utf8');
  assert.match(yamlText, new RegExp(`# Best generation: ${fx.best.row}\\n# Last generation: ${fx.results.length - 1}\\n`));
  assert.ok(yamlText.includes('metrics/mAP_0.5:0.95(M)'));
  assert.deepEqual(parseYaml(yamlText), fx.best.hyp);
  assert.ok(existsSync(join(e.saveDir, 'evolve.png')));
  assert.match(lines.join('\n'), /evolve: 5 generations finished, current result:\nevolve: metrics\/precision\(B\),/);
});

let data = '';
before(async () => {
  const r = await generateDigits({ out: join(work, 'digits'), train: 4, val: 2, img: 64, seed: 2, task: 'segment' });
  data = join(r.out, 'data.yaml');
});

const args = (name: string, extra: string[]) => ['segment', 'train', '--data', data, '--cfg', 'yolov5n-seg.yaml', '--img', '64', '--batch', '2', '--epochs', '1', '--workers', '0', '--project', join(work, 'runs'), '--name', name, ...extra];

test('--quad is refused before any run folder, with the error v7.0 meets at its first batch', async () => {
  const v7 = JSON.parse(readFileSync(`${FIX}quad_v7_error.json`, 'utf8')) as { error: string; inherited: boolean };
  assert.equal(v7.inherited, true);
  const r = await runCli(args('quad', ['--quad']), work);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(r.stderr.includes('--quad is not available for segmentation'), r.stderr);
  assert.ok(r.stderr.includes(v7.error), r.stderr);
  assert.ok(!existsSync(join(work, 'runs', 'quad')));
});

test('segment train --evolve 1 through the CLI: one real generation, evolve.csv with the segment columns, no weights', async () => {
  const r = await runCli(args('evo', ['--evolve', '1']), work);
  assert.equal(r.code, 0, r.stderr);
  const dir = join(work, 'runs', 'evo');
  const csv = readFileSync(join(dir, 'evolve.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 2);
  const header = csv[0]!.split(',').map((k) => k.trim());
  assert.deepEqual(header.slice(0, 12), [...SEGMENT_EVOLVE_RESULT_KEYS]);
  const row = csv[1]!.split(',').map(Number);
  assert.equal(row.length, header.length);
  // The val losses (box, seg, obj, cls) of the generation's final epoch are positive.
  for (const k of [8, 9, 10, 11]) assert.ok(row[k]! > 0, `${header[k]}: ${row[k]}`);
  const files = readdirSync(dir);
  for (const f of ['evolve.csv', 'hyp_evolve.yaml', 'evolve.png', 'results.csv']) assert.ok(files.includes(f), f);
  assert.ok(!files.includes('weights') || readdirSync(join(dir, 'weights')).length === 0, 'no checkpoints under --evolve');
  // segment/train.py plots nothing under --evolve.
  assert.ok(!files.some((f) => /^(train_batch|val_batch|results\.png|labels\.jpg)/.test(f)), files.join(', '));
});
