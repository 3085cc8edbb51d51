// `npm run bench:training-parity -- --task classify` (training-parity.ts hands over here): the classifier's
// training-quality comparison with PyTorch YOLOv5 v7.0's classify/train.py. End to end: the data
// (`tsyolo data digits --task classify`, 2000 train / 500 val, seed 0, kept in a scratch folder for the next run),
// `tsyolo classify train` with the recipe below, its results.csv copied into docs/, then the render:
// docs/training-vs-pytorch-classify.md (per-epoch table, final top-1 ratio) and docs/training-vs-pytorch-classify-*.png.
// `--render-only` renders the two shipped CSVs. The PyTorch CSV (docs/pytorch_yolov5n-cls_digits-cls_results.csv)
// is v7.0's own run on the same folder; its command is in the page (bench/make_cls_scratch_model.py makes its model).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResultsCsv } from '../src/plot/results-plot.ts';
import { type Panel, column, epochRows, fmt, plotPanels, sharedEpochs } from './parity-render.ts';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const cli = fileURLToPath(new URL('../bin/tsyolo.js', import.meta.url));
const BAR = 0.95; // tsyolo's final top-1 ÷ PyTorch's
const DATA = ['--train', '2000', '--val', '500', '--seed', '0'];
/** The recipe both sides ran (classify/train.py's flag names; its defaults otherwise). */
const RECIPE = ['--epochs', '10', '--batch-size', '32', '--img', '64', '--optimizer', 'Adam', '--lr0', '0.001', '--label-smoothing', '0.1', '--seed', '0', '--pretrained', 'False', '--device', 'cpu', '--workers', '2'];
const refCsv = join(docs, 'pytorch_yolov5n-cls_digits-cls_results.csv');
const oursCsv = join(docs, 'tsyolo_yolov5n-cls_digits-cls_results.csv');
const tsyoloCommand = `tsyolo classify train --model yolov5n-cls.yaml --data digits-cls ${RECIPE.join(' ')}`;

if (!process.argv.includes('--render-only')) {
  const work = join(tmpdir(), 'tsyolo-training-parity');
  const data = join(work, 'digits-cls');
  if (!existsSync(join(data, 'val', '9'))) execFileSync(process.execPath, [cli, 'data', 'digits', '--task', 'classify', '--out', data, ...DATA], { stdio: 'inherit' });
  const project = join(work, 'runs');
  execFileSync(process.execPath, [cli, 'classify', 'train', '--model', 'yolov5n-cls.yaml', '--data', data, ...RECIPE, '--project', project, '--name', 'cls', '--exist-ok'], {
    stdio: 'inherit',
    env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
  });
  copyFileSync(join(project, 'cls', 'results.csv'), oursCsv);
}

const ref = parseResultsCsv(readFileSync(refCsv, 'utf8'), refCsv);
const ours = parseResultsCsv(readFileSync(oursCsv, 'utf8'), oursCsv);
const col = column;
const panels: Panel[] = [
  ['train/loss', 'train_loss'],
  ['val/loss', 'val_loss'],
  ['metrics/accuracy_top1', 'top1'],
  ['metrics/accuracy_top5', 'top5'],
];
await plotPanels(ref, ours, panels, `${docs}training-vs-pytorch-classify`);
const n = sharedEpochs(ref, ours);
const lastRef = col(ref, 'metrics/accuracy_top1')[n - 1]!;
const lastOurs = col(ours, 'metrics/accuracy_top1')[n - 1]!;
const lines = [
  '# Classification training: tsyolo beside PyTorch YOLOv5 v7.0',
  '',
  `Same data, same recipe. Data: \`tsyolo data digits --task classify --out digits-cls ${DATA.join(' ')}\` (MNIST digits`,
  'from the `mnist` package, 28×28, `train/<digit>/` and `val/<digit>/`; both sides read this one folder). Model:',
  "yolov5n-cls (v7.0's yolov5n backbone cut at layer 10 with a Classify head, nc 10) from scratch; Adam, lr0 0.001 with",
  "classify/train.py's linear decay, label smoothing 0.1, EMA, 10 epochs, batch 32, 64 px, CPU, seed 0. Without",
  'albumentations (not installed for the reference run, nor a tsyolo dependency) v7.0 trains on the centre-crop',
  'transforms alone, as tsyolo does.',
  '',
  'PyTorch (`pytorch_yolov5n-cls_digits-cls_results.csv`), from the v7.0 checkout with Debian\'s python3 (torch 1.13):',
  '',
  '```',
  'python3 path/to/tsyolo/bench/make_cls_scratch_model.py yolov5n-cls-scratch.pt',
  `python3 classify/train.py --model yolov5n-cls-scratch.pt --data digits-cls ${RECIPE.join(' ')}`,
  '```',
  '',
  `tsyolo (\`tsyolo_yolov5n-cls_digits-cls_results.csv\`, re-run by \`npm run bench:training-parity -- --task classify\`): \`${tsyoloCommand}\``,
  '',
  '| epoch | train loss PyTorch | train loss tsyolo | val loss PyTorch | val loss tsyolo | top-1 PyTorch | top-1 tsyolo | top-5 PyTorch | top-5 tsyolo |',
  '|---|---|---|---|---|---|---|---|---|',
];
lines.push(...epochRows(ref, ours, panels));
lines.push('', `Final top-1: PyTorch ${fmt(lastRef)}, tsyolo ${fmt(lastOurs)} (ratio ${(lastOurs / lastRef).toFixed(3)}; the bar is ≥ ${BAR}).`, '');
// Run-to-run spread: both sides once more with --seed 1 (shipped CSVs; the bench re-runs only seed 0).
const [ref1, ours1] = ['pytorch', 'tsyolo'].map((side) => join(docs, `${side}_yolov5n-cls_digits-cls_seed1_results.csv`));
if (existsSync(ref1!) && existsSync(ours1!)) {
  const [r1, o1] = [ref1!, ours1!].map((f) => parseResultsCsv(readFileSync(f, 'utf8'), f));
  const last = (t: typeof ref, c: string) => col(t, c)[col(t, c).length - 1]!;
  lines.push(
    `Run-to-run spread: the same commands with \`--seed 1\` (\`*_seed1_results.csv\`) end at top-1 PyTorch ${fmt(last(r1!, 'metrics/accuracy_top1'))},` +
      ` tsyolo ${fmt(last(o1!, 'metrics/accuracy_top1'))} (ratio ${(last(o1!, 'metrics/accuracy_top1') / last(r1!, 'metrics/accuracy_top1')).toFixed(3)}); val loss PyTorch` +
      ` ${fmt(last(r1!, 'val/loss'))}, tsyolo ${fmt(last(o1!, 'val/loss'))} (seed 0: ${fmt(last(ref, 'val/loss'))}, ${fmt(last(ours, 'val/loss'))});` +
      ` last-epoch train loss PyTorch ${fmt(last(r1!, 'train/loss'))}, tsyolo ${fmt(last(o1!, 'train/loss'))}.`,
    '',
  );
}
lines.push(...panels.map(([, s]) => `![${s}](training-vs-pytorch-classify-${s}.png)`), '');
writeFileSync(`${docs}training-vs-pytorch-classify.md`, lines.join('\n'));
console.log(`wrote ${docs}training-vs-pytorch-classify.md: final top-1 ratio ${(lastOurs / lastRef).toFixed(3)} (bar ≥ ${BAR})`);
