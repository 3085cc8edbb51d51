// `tsyolo plot`: three runs' results.csv overlaid in results.png's ten panels with a legend naming the runs, their
// PR curves from PR_curve.csv, the SVG twin, runs with different columns, and the errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { apPerClass } from '../../src/eval/ap.ts';
import { ConfusionMatrix } from '../../src/eval/confusion-matrix.ts';
import type { EvaluationResult } from '../../src/eval/evaluate.ts';
import { parsePrCurveCsv, prCurveCsv } from '../../src/plot/pr-curve-data.ts';
import { saveValPlots } from '../../src/val/val-outputs.ts';
import { fitPathLabel, plotRunsChart, sharedPanels } from '../../src/plot/runs-plot.ts';
import { parseResultsCsv } from '../../src/plot/results-plot.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'tsyolo-plot-'));
after(() => rmSync(base, { recursive: true, force: true }));

// YOLOv5 v7.0's results.csv header, as train.py writes it ('%20s,' per key, trailing comma stripped).
const KEYS = [
  'epoch', 'train/box_loss', 'train/obj_loss', 'train/cls_loss', 'metrics/precision', 'metrics/recall', 'metrics/mAP_0.5',
  'metrics/mAP_0.5:0.95', 'val/box_loss', 'val/obj_loss', 'val/cls_loss', 'x/lr0', 'x/lr1', 'x/lr2',
];
// plot_results' ten panels, in its order (columns 1, 2, 3, 4, 5, 8, 9, 10, 6, 7)
const PANELS = ['train/box_loss', 'train/obj_loss', 'train/cls_loss', 'metrics/precision', 'metrics/recall', 'val/box_loss', 'val/obj_loss', 'val/cls_loss', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95'];

function resultsCsv(keys: string[], epochs: number, seed: number): string {
  const pad = (s: string) => s.padStart(20);
  const rows = Array.from({ length: epochs }, (_, e) =>
    keys.map((k, j) => pad(k === 'epoch' ? String(e) : String(Number((Math.exp(-e / (3 + seed)) * (j + 1) * 0.01 + seed * 0.001).toPrecision(5))))).join(','),
  );
  return [keys.map(pad).join(','), ...rows].join('\n') + '\n';
}

function makeRun(dir: string, keys = KEYS, epochs = 6, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.csv'), resultsCsv(keys, epochs, seed));
  return dir;
}

/** A PR_curve.csv written by hand in the documented format. */
function writePrCurve(dir: string, map50: number, scale: number): void {
  const lines = [`# all classes mAP@0.5 ${map50} (precision: mean over 2 classes)`, 'recall,precision'];
  for (let j = 0; j <= 100; j++) lines.push(`${j / 100},${(scale * (1 - (j / 100) ** 3)).toFixed(5)}`);
  writeFileSync(join(dir, 'PR_curve.csv'), lines.join('\n') + '\n');
}

function tsyolo(args: string[], cwd: string) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
}

/** The strings drawn in an SVG: Skia writes one <text> per word, all at the string's anchor (its transform). */
function svgTexts(svg: string): string[] {
  const out: Array<{ at: string; text: string }> = [];
  for (const m of svg.matchAll(/<text([^>]*)>([\s\S]*?)<\/text>/g)) {
    const at = /transform="([^"]*)"/.exec(m[1]!)?.[1] ?? '';
    const text = m[2]!.trim().replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    const last = out[out.length - 1];
    if (last && last.at === at && at !== '') last.text += ` ${text}`;
    else out.push({ at, text });
  }
  return out.map((t) => t.text);
}

/** Pixels of exactly this colour inside a rectangle of a PNG. */
async function countColour(png: string, rect: { x: number; y: number; width: number; height: number }, hex: string): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let y = Math.ceil(rect.y); y < Math.floor(rect.y + rect.height); y++) {
    for (let x = Math.ceil(rect.x); x < Math.floor(rect.x + rect.width); x++) {
      const o = (y * info.width + x) * 3;
      if (data[o] === r && data[o + 1] === g && data[o + 2] === b) n++;
    }
  }
  return n;
}

test('plot of 3 runs: runs.png 2400×1200 and runs.svg with the ten panel titles and a legend naming each run; PR curves overlaid', async () => {
  const cwd = join(base, 'three');
  const names = ['runs/train/exp', 'runs/train/exp2', 'runs/train/cbam-long-experiment-name'];
  names.forEach((n, i) => makeRun(join(cwd, n), KEYS, 5 + i, i + 1));
  writePrCurve(join(cwd, names[0]!), 0.61234, 0.9);
  writePrCurve(join(cwd, names[2]!), 0.4, 0.7);

  const r = tsyolo(['plot', ...names, '--svg', '--project', 'out'], cwd);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(cwd, 'out', 'exp');
  assert.deepEqual(readdirSync(dir).sort(), ['PR_curve.png', 'PR_curve.svg', 'runs.png', 'runs.svg']);
  assert.match(r.stdout, /written: .*runs\.png/);
  assert.match(r.stdout, /no PR_curve\.csv in runs\/train\/exp2/);

  const meta = await sharp(join(dir, 'runs.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 2400, 1200]); // figsize (12, 6) at dpi 200

  const svg = readFileSync(join(dir, 'runs.svg'), 'utf8');
  assert.match(svg, /^<\?xml[\s\S]*<svg [^>]*width="2400" height="1200"/);
  const texts = svgTexts(svg);
  for (const name of names) assert.ok(texts.includes(name), `legend has ${name}: ${texts.join(' | ')}`);
  for (const title of PANELS) assert.equal(texts.filter((t) => t === title).length, 1, `panel ${title}`);
  assert.ok(!texts.includes('x/lr0'), 'learning rates are not plotted (plot_results leaves them out)');
  assert.doesNotMatch(svg, / x="[^"]*,\s*"/, 'no trailing comma in glyph position lists');

  const prTexts = svgTexts(readFileSync(join(dir, 'PR_curve.svg'), 'utf8'));
  assert.ok(prTexts.includes(`${names[0]} 0.612 mAP@0.5`), prTexts.join(' | '));
  // the PR legend sits right of the axes, as PR_curve.png's: a long path loses its leading folders there
  assert.ok(prTexts.includes('…/cbam-long-experiment-name 0.400 mAP@0.5'), prTexts.join(' | '));
  assert.ok(!prTexts.some((t) => t.startsWith(names[1]!)), 'a run without PR_curve.csv has no PR legend row');
  const pr = await sharp(join(dir, 'PR_curve.png')).metadata();
  assert.deepEqual([pr.width, pr.height], [2250, 1500]); // plot_pr_curve: figsize (9, 6) at dpi 250

  // The legend below the panels shows each run's colour (matplotlib's tab10 cycle: C0, C1, C2).
  const tables = names.map((n) => ({ name: n, table: parseResultsCsv(readFileSync(join(cwd, n, 'results.csv'), 'utf8')) }));
  const png = join(cwd, 'direct.png');
  const layout = await plotRunsChart(tables, png);
  assert.deepEqual(layout.labels, names);
  assert.deepEqual(layout.panels, PANELS);
  assert.ok(layout.legend.x >= 0 && layout.legend.x + layout.legend.width <= 2400 && layout.legend.y + layout.legend.height <= 1200, JSON.stringify(layout.legend));
  for (const hex of ['1f77b4', 'ff7f0e', '2ca02c']) assert.ok((await countColour(png, layout.legend, hex)) > 50, `legend shows ${hex}`);
});

test('plot: a folder without results.csv is named and exits 1, leaving no run folder; a second plot goes to exp2', () => {
  const cwd = join(base, 'missing');
  makeRun(join(cwd, 'runs/train/exp'));
  mkdirSync(join(cwd, 'runs/train/empty'), { recursive: true });
  const r = tsyolo(['plot', 'runs/train/exp', 'runs/train/empty', '--project', 'out'], cwd);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tsyolo: error: runs\/train\/empty: no results\.csv in this folder/);
  assert.ok(!existsSync(join(cwd, 'out', 'exp')));
  const nope = tsyolo(['plot', 'runs/train/nope', '--project', 'out'], cwd);
  assert.equal(nope.status, 1);
  assert.match(nope.stderr, /runs\/train\/nope: no such folder or file/);

  assert.equal(tsyolo(['plot', 'runs/train/exp', '--project', 'out'], cwd).status, 0);
  assert.equal(tsyolo(['plot', 'runs/train/exp', '--project', 'out'], cwd).status, 0);
  assert.ok(existsSync(join(cwd, 'out', 'exp2', 'runs.png')));
});

test('plot: runs with different columns plot the shared ones and say which were skipped; --out F.svg writes SVG only', () => {
  const cwd = join(base, 'columns');
  makeRun(join(cwd, 'a'), [...KEYS, 'train/dfl_loss']);
  makeRun(join(cwd, 'b'), KEYS.filter((k) => k !== 'val/cls_loss'));
  const r = tsyolo(['plot', 'a', 'b', '--out', 'figs/fig.svg'], cwd);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /skipped: .*val\/cls_loss \(in a\)/);
  assert.match(r.stdout, /train\/dfl_loss \(in a\)/);
  assert.deepEqual(readdirSync(join(cwd, 'figs')), ['fig.svg']);
  const texts = svgTexts(readFileSync(join(cwd, 'figs', 'fig.svg'), 'utf8'));
  for (const title of PANELS.filter((p) => p !== 'val/cls_loss')) assert.ok(texts.includes(title), title);
  assert.ok(!texts.includes('val/cls_loss') && !texts.includes('train/dfl_loss'));
  assert.equal(tsyolo(['plot', 'a', '--out', 'fig.jpg'], cwd).status, 1);
});

test('sharedPanels: YOLOv5 order first, extra shared columns after, the rest skipped; fitPathLabel keeps what fits', () => {
  const t = (columns: string[]) => ({ columns, values: columns.map(() => new Float64Array(0)) });
  const { panels, skipped } = sharedPanels([t(['epoch', 'metrics/mAP_0.5', 'train/box_loss', 'extra', 'x/lr0']), t(['epoch', 'train/box_loss', 'extra', 'metrics/mAP_0.5', 'only-b'])]);
  assert.deepEqual(panels, ['train/box_loss', 'metrics/mAP_0.5', 'extra']);
  assert.deepEqual(skipped, ['only-b']);
  const measure = (s: string) => s.length * 10;
  assert.equal(fitPathLabel('runs/train/exp', 200, measure), 'runs/train/exp');
  assert.equal(fitPathLabel('a/very/long/path/runs/train/exp', 160, measure), '…/runs/train/exp');
  assert.ok(measure(fitPathLabel('averyveryverylongrunname', 100, measure)) <= 100);
});

test('PR_curve.csv: the mean precision over classes at each recall and the classes\' mean AP@0.5, read back', () => {
  const px = [0, 0.5, 1];
  const py = [1, 0.8, 0.2, 0.6, 0.4, 0]; // class 0 row, class 1 row
  const ap = [0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0];
  const text = prCurveCsv(px, py, ap);
  assert.equal(text, '# all classes mAP@0.5 0.5 (precision: mean over 2 classes)\nrecall,precision\n0,0.8\n0.5,0.6\n1,0.1\n');
  const back = parsePrCurveCsv(text);
  assert.deepEqual([...back.recall], px);
  assert.deepEqual([...back.precision], [0.8, 0.6, 0.1]);
  assert.equal(back.map50, 0.5);
  assert.throws(() => parsePrCurveCsv('recall,precision\n0,x\n', 'p.csv'), /p\.csv:2/);
  assert.throws(() => prCurveCsv(px, py, [0.1]), /do not match/);
});

test("val's plots write PR_curve.csv beside PR_curve.png: the plotted classes' mean curve and mean AP@0.5", async () => {
  const out = join(base, 'val');
  mkdirSync(out, { recursive: true });
  // 6 predictions (10 IoU thresholds each) of classes 0 and 2 against targets of classes 0, 1, 2
  const tp = new Uint8Array(60);
  [0, 1, 3, 5].forEach((i) => tp.fill(1, i * 10, i * 10 + 4));
  const curves = apPerClass(tp, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0, 0, 0, 2, 2, 2], [0, 0, 1, 2, 2]);
  const result = { P: 0, R: 0, mAP50: 0, mAP50_95: 0, perClass: [], curves, confusionMatrix: new ConfusionMatrix(3) } as unknown as EvaluationResult;
  await saveValPlots(result, 3, ['a', 'b', 'c'], out);
  assert.ok(existsSync(join(out, 'PR_curve.png')));
  const csv = parsePrCurveCsv(readFileSync(join(out, 'PR_curve.csv'), 'utf8'));
  const present = curves.classes.map((_, k) => k).filter((k) => curves.prCurve[k]);
  assert.equal(present.length, 2, 'class 1 has no predictions and no PR row');
  assert.equal(csv.recall.length, 1000);
  const mean50 = present.reduce((a, k) => a + curves.ap[k]![0]!, 0) / present.length;
  assert.ok(Math.abs(csv.map50 - mean50) < 1e-5, `${csv.map50} vs ${mean50}`);
  for (const j of [0, 250, 500, 999]) {
    const p = present.reduce((a, k) => a + curves.prCurve[k]![j]!, 0) / present.length;
    assert.ok(Math.abs(csv.precision[j]! - p) < 1e-5, `precision at recall ${csv.recall[j]}`);
  }
});
