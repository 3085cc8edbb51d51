// Renders the side-by-side of two training runs' results.csv (PyTorch YOLOv5 vs tsyolo on the same data and recipe):
// docs/training-vs-pytorch.md (table) and docs/training-vs-pytorch-*.png (curves of both runs).
// Usage: node --import tsx bench/training-parity.ts PYTORCH.csv TSYOLO.csv [command used]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseResultsCsv, plotLines } from '../src/plot/results-plot.ts';

const [refCsv, oursCsv, command = ''] = process.argv.slice(2);
if (!refCsv || !oursCsv) {
  console.error('usage: training-parity.ts PYTORCH_results.csv TSYOLO_results.csv [command]');
  process.exit(1);
}
const docs = fileURLToPath(new URL('../docs/', import.meta.url));
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
lines.push('', `Final mAP50-95: PyTorch ${fmt(lastRef)}, tsyolo ${fmt(lastOurs)} (ratio ${(lastOurs / lastRef).toFixed(3)}; the bar is ≥ 0.85).`, '');
lines.push(...panels.map(([, s]) => `![${s}](training-vs-pytorch-${s}.png)`), '');
writeFileSync(`${docs}training-vs-pytorch.md`, lines.join('\n'));
console.log(`wrote ${docs}training-vs-pytorch.md`);
