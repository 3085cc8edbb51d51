// --evolve against YOLOv5 v7.0's own code (test/fixtures/v7-options/evolve/make_evolve.py): NumPy's legacy
// generator, hist2d, and the whole loop — parent selection, mutation, limits, evolve.csv, hyp_evolve.yaml and the
// printed lines — replayed with v7.0's seeds and a stand-in for the training; then the refusals.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { NumpyRandomState } from '../../src/compat/numpy-random.ts';
import { hist2d } from '../../src/plot/evolve-plot.ts';
import { type GenerationResult, evolve, readEvolveHyp } from '../../src/train/evolve.ts';
import { EVOLVE_META, evolveMeta } from '../../src/train/evolve-meta.ts';
import { train } from '../../src/train/trainer.ts';
import { TRAIN_OPTIONS } from '../../src/train/train-options.ts';
import type { TrainInput } from '../../src/train/train-run.ts';
import { resolveOptions } from '../../src/run/option-table.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'v7-options', 'evolve');
const PARENTS = join(FIXTURES, 'parents.csv');
const work = mkdtempSync(join(tmpdir(), 'tsyolo-evolve-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  generations: number;
  seed: number;
  parent: 'single' | 'weighted';
  noautoanchor: boolean;
  fromParents: boolean;
  results: number[][];
  received: Array<Record<string, string>>;
  evolveCsv: string;
  hypEvolveYaml: string;
  logLines: string[];
  plotLines: string[];
}
const CASES = JSON.parse(readFileSync(join(FIXTURES, 'evolve_cases.json'), 'utf8')) as Case[];

test('NumpyRandomState: random(n), randn(n) with the kept Gaussian, random() as NumPy 1.24 legacy seeding gives', () => {
  const draws = JSON.parse(readFileSync(join(FIXTURES, 'numpy_random.json'), 'utf8')) as Array<{ seed: number; random29: number[]; randn29: number[]; random: number; randn3: number[] }>;
  for (const d of draws) {
    const np = new NumpyRandomState(d.seed);
    assert.deepEqual([...np.randomSample(29)], d.random29, `seed ${d.seed} random(29)`);
    // The polar method's log() is V8's, the reference's glibc's: allow the last bit.
    const close = (got: Float64Array, want: number[], what: string) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= 4e-16 * Math.max(1, Math.abs(want[i]!)), `${what}[${i}]: ${g} vs ${want[i]}`));
    close(np.randn(29), d.randn29, `seed ${d.seed} randn(29)`);
    assert.equal(np.double(), d.random, `seed ${d.seed} random() after an odd number of Gaussians`);
    close(np.randn(3), d.randn3, `seed ${d.seed} randn(3) starts with the kept value`);
  }
  assert.throws(() => new NumpyRandomState(2 ** 32), /Seed must be between 0 and 2\*\*32 - 1/);
});

test('hist2d: the log point density evolve.png colours its scatters with (utils/plots.py hist2d)', () => {
  const h = JSON.parse(readFileSync(join(FIXTURES, 'hist2d.json'), 'utf8')) as { synthetic: Array<{ x: number[]; y: number[]; n: number; c: number[] }>; fitness: number[]; columns: Record<string, number[]> };
  for (const s of h.synthetic) assert.deepEqual([...hist2d(s.x, s.y, s.n)], s.c);
  const csv = readFileSync(PARENTS, 'utf8').trim().split('\n');
  const keys = csv[0]!.split(',').map((k) => k.trim());
  const rows = csv.slice(1).map((l) => l.split(',').map(Number));
  for (const [k, c] of Object.entries(h.columns)) assert.deepEqual([...hist2d(rows.map((r) => r[keys.indexOf(k)]!), h.fitness, 20)], c, k);
});

test('the meta table is v7.0’s: 29 genes, anchors dropped with --noautoanchor', () => {
  assert.equal(EVOLVE_META.length, 29);
  assert.deepEqual(EVOLVE_META.find(([k]) => k === 'anchors')![1], { scale: 2, lower: 2.0, upper: 10.0 });
  assert.deepEqual(EVOLVE_META.filter(([, g]) => g.scale === 0).map(([k]) => k), ['iou_t', 'fl_gamma', 'perspective', 'fliplr']);
  assert.equal(evolveMeta(true).has('anchors'), false);
  assert.equal(evolveMeta(true).size, 28);
});

/** Runs tsyolo's loop on a case with the case's results standing in for the training. */
async function replay(c: Case): Promise<{ dir: string; received: Array<Record<string, number>>; lines: string[] }> {
  const project = join(work, 'replay');
  const dir = join(project, c.name);
  rmSync(dir, { recursive: true, force: true });
  if (c.fromParents) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(PARENTS, join(dir, 'evolve.csv'));
  }
  const received: Array<Record<string, number>> = [];
  const lines: string[] = [];
  const trainGeneration = async (input: TrainInput): Promise<GenerationResult> => {
    assert.equal(input.noval, true);
    assert.equal(input.nosave, true);
    assert.equal(input.evolve, c.generations);
    received.push({ ...input.evolveHyp! });
    const r = c.results[received.length - 1]!;
    return { final: { P: r[0]!, R: r[1]!, mAP50: r[2]!, mAP50_95: r[3]! }, valLosses: [r[4]!, r[5]!, r[6]!], stoppedBy: 'completed' };
  };
  await evolve(
    { hyp: 'hyp.scratch-low.yaml', evolve: c.generations, project, name: c.name, resume: c.fromParents, noautoanchor: c.noautoanchor, log: (s) => lines.push(s) },
    { trainGeneration, seed: c.seed, parent: c.parent },
  );
  return { dir, received, lines };
}

for (const c of CASES) {
  test(`v7.0's evolution, case ${c.name}: ${c.generations} generations, ${c.parent} parent, seed ${c.seed}${c.fromParents ? ', continuing parents.csv' : ''}${c.noautoanchor ? ', --noautoanchor' : ''}`, async () => {
    const { dir, received, lines } = await replay(c);
    // The hyperparameters each generation trained with: the same keys in the same order, the same values.
    assert.equal(received.length, c.received.length);
    received.forEach((h, g) => {
      assert.deepEqual(Object.keys(h), Object.keys(c.received[g]!), `generation ${g} keys`);
      for (const [k, v] of Object.entries(c.received[g]!)) assert.equal(h[k], Number(v), `generation ${g} ${k}`);
    });
    assert.equal(readFileSync(join(dir, 'evolve.csv'), 'utf8'), c.evolveCsv);
    assert.equal(readFileSync(join(dir, 'hyp_evolve.yaml'), 'utf8'), c.hypEvolveYaml);
    const ours = (s: string) => s.replaceAll(join(work, 'replay'), '<work>');
    assert.deepEqual(lines.filter((l) => l.startsWith('evolve: ') && !l.startsWith('evolve: continuing')).map(ours), c.logLines.filter((l) => l.startsWith('evolve: ')));
    // plot_evolve's printed lines, then the closing lines (tsyolo's usage example names its own command).
    const plot = lines.filter((l) => !l.startsWith('evolve: ') && !l.startsWith('Hyperparameter evolution')).flatMap((l) => l.split('\n')).map(ours);
    assert.deepEqual(plot, c.plotLines);
    const closing = lines.at(-1)!.split('\n').map(ours);
    const v7 = c.logLines.at(-1)!.split('\n');
    assert.deepEqual(closing.slice(0, 2), v7.slice(0, 2));
    assert.equal(closing[2], v7[2]!.replace('python train.py', 'tsyolo train'));
    assert.ok(existsSync(join(dir, 'evolve.png')));
  });
}

test('evolve.png has v7.0’s size: 10×12 in at 200 dpi', () => {
  const png = readFileSync(join(work, 'replay', 'scratch', 'evolve.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(png.readUInt32BE(16), 2000);
  assert.equal(png.readUInt32BE(20), 2400);
});

const never = async (): Promise<GenerationResult> => {
  throw new Error('no generation may train');
};

test('an evolve.csv from another hyp set is refused, naming the file, before any training', async () => {
  const project = join(work, 'refuse');
  const dir = join(project, 'exp');
  mkdirSync(dir, { recursive: true });
  copyFileSync(PARENTS, join(dir, 'evolve.csv'));
  // parents.csv has an anchors column; --noautoanchor evolves without one.
  await assert.rejects(evolve({ hyp: 'hyp.scratch-low.yaml', evolve: 1, project, resume: true, noautoanchor: true, log: () => {} }, { trainGeneration: never, seed: 1 }), (e: Error) => {
    assert.match(e.message, new RegExp(`^${join(dir, 'evolve.csv').replaceAll('/', '\\/')}: its columns are from a different hyperparameter set`));
    assert.match(e.message, /not in this run: anchors/);
    return true;
  });
  // Same names, another order.
  const lines = readFileSync(PARENTS, 'utf8').split('\n');
  const swap = (l: string) => {
    const cells = l.split(',');
    [cells[7], cells[8]] = [cells[8]!, cells[7]!];
    return cells.join(',');
  };
  writeFileSync(join(dir, 'evolve.csv'), lines.map((l) => (l ? swap(l) : l)).join('\n'));
  await assert.rejects(evolve({ hyp: 'hyp.scratch-low.yaml', evolve: 1, project, resume: true, log: () => {} }, { trainGeneration: never, seed: 1 }), /evolve\.csv: its columns are from a different hyperparameter set .*another order/);
  // A header alone.
  writeFileSync(join(dir, 'evolve.csv'), `${lines[0]}\n`);
  await assert.rejects(evolve({ hyp: 'hyp.scratch-low.yaml', evolve: 1, project, resume: true, log: () => {} }, { trainGeneration: never, seed: 1 }), /evolve\.csv: has a header but no rows/);
});

test('--evolve takes a number of generations ≥ 1; alone it is 300', () => {
  for (const bad of [0, -3, '0', '2.5', 'many']) {
    assert.throws(() => resolveOptions(TRAIN_OPTIONS, { evolve: bad }), /^Error: --evolve takes a number of generations ≥ 1 \(alone: 300\)/, String(bad));
  }
  assert.equal(resolveOptions(TRAIN_OPTIONS, { evolve: true }).evolve, 300);
  assert.equal(resolveOptions(TRAIN_OPTIONS, { evolve: '7' }).evolve, 7);
  assert.equal(resolveOptions(TRAIN_OPTIONS, {}).evolve, undefined);
});

test('a hyp file with keys the meta table lacks is refused, naming the file and the key', () => {
  const file = join(work, 'hyp.iou.yaml');
  writeFileSync(file, `${readFileSync(join(FIXTURES, '..', '..', '..', '..', 'configs', 'hyps', 'hyp.scratch-low.yaml'), 'utf8')}iou_loss: siou\n`);
  assert.throws(() => readEvolveHyp(file, false), new RegExp(`^Error: ${file.replaceAll('/', '\\/')}: 'iou_loss' is not a hyperparameter --evolve mutates`));
  // The hyp file's order, anchors appended (v7.0's `hyp['anchors'] = 3`), or dropped with --noautoanchor.
  const { hyp } = readEvolveHyp('hyp.scratch-low.yaml', false);
  assert.equal(Object.keys(hyp).at(-1), 'anchors');
  assert.equal(hyp.anchors, 3);
  assert.equal('anchors' in readEvolveHyp('hyp.scratch-low.yaml', true).hyp, false);
});

test('train() itself refuses evolve (evolve() runs the generations)', async () => {
  await assert.rejects(train({ evolve: 2, data: 'x.yaml', log: () => {} }), /evolve\(\)/);
});

test('evolve() refuses to run per rank or across machines', async () => {
  await assert.rejects(evolve({ evolve: 1, nnodes: 2, log: () => {} }, { trainGeneration: never }), /--nnodes must be 1/);
  process.env.RANK = '0';
  process.env.WORLD_SIZE = '2';
  try {
    await assert.rejects(evolve({ evolve: 1, log: () => {} }, { trainGeneration: never }), /--evolve is not compatible with YOLOv5 Multi-GPU DDP training/);
  } finally {
    delete process.env.RANK;
    delete process.env.WORLD_SIZE;
  }
});

test('a hyp `anchors` count builds the model as v7.0’s Model(anchors=…): rounded half-even, placeholder anchors 0, 1, 2, …', async () => {
  const { DetectionModel } = await import('../../src/yolo/detection-model.ts');
  const { loadModelConfig } = await import('../../src/yolo/model-config.ts');
  const lines: string[] = [];
  const m = new DetectionModel(loadModelConfig('yolov5n.yaml').config, { nc: 2, anchors: 2.5, log: (s) => lines.push(s) });
  try {
    assert.ok(lines.includes('Overriding model.yaml anchors with anchors=2.5'), lines.join('\n'));
    assert.equal(m.yaml.anchors, 2, 'round(2.5) = 2');
    assert.equal(m.detect.na, 2);
    // parse_model's [list(range(2 * 2))] per level, divided by the strides 8, 16, 32.
    const a = [...m.detect.anchors.toFloat32Array()];
    const want = [8, 16, 32].flatMap((s) => [0, 1, 2, 3].map((v) => v / s));
    a.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-7, `anchor ${i}: ${v} vs ${want[i]}`));
  } finally {
    m.dispose();
  }
});
