// compare.png: 2400 px wide, axes fitted to the data, point labels short (run or model names) and inside the plot —
// checked on the returned layout and on the SVG's own glyph coordinates; compare.csv read back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { type ComparePoint, parseComparisonCsv, plotComparisonChart, shortModelNames } from '../../src/plot/compare-chart.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-compare-chart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The case: checkpoints named by long paths, small mAP values, the slowest entry at the right edge.
const ROWS: ComparePoint[] = [
  { model: 'runs/train/baseline/weights/best.pt', parameters: 1_766_623, gflops: 4.2, torchMs: 26.3, map: 0.0412 },
  { model: 'runs/train/cbam-cli/weights/best.pt', parameters: 1_801_234, gflops: 4.3, torchMs: 40.6, map: 0.0455 },
  { model: 'runs/train/shufflenet-a-rather-long-experiment-name/weights/best.pt', parameters: 905_000, gflops: 2.1, torchMs: 18.0, map: 0.0301 },
  { model: 'runs/train/cbam-cli/weights/last.pt', parameters: 1_801_234, gflops: 4.3, torchMs: 40.2, map: 0.0449 },
];

const inside = (b: { x: number; y: number; width: number; height: number }, a: { x: number; y: number; width: number; height: number }) =>
  b.x >= a.x - 1e-6 && b.y >= a.y - 1e-6 && b.x + b.width <= a.x + a.width + 1e-6 && b.y + b.height <= a.y + a.height + 1e-6;

/** The SVG's <text> elements: the anchor (translate), the first and last glyph x, and the text. */
function svgTextRuns(svg: string): Array<{ tx: number; ty: number; xs: number[]; text: string }> {
  return [...svg.matchAll(/<text([^>]*)>([\s\S]*?)<\/text>/g)].map((m) => {
    const t = /translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)/.exec(m[1]!);
    const xs = (/ x="([^"]*)"/.exec(m[1]!)?.[1] ?? '').split(/[\s,]+/).filter((s) => s !== '').map(Number);
    return { tx: t ? Number(t[1]) : 0, ty: t ? Number(t[2]) : 0, xs, text: m[2]!.trim() };
  });
}

test('compare.png: 2400×1200, short labels inside the plot, axes fitted to small mAP values', async () => {
  const png = join(dir, 'compare.png');
  const layout = await plotComparisonChart(ROWS, png);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 2400, 1200]);
  assert.deepEqual(layout.labels.map((l) => l.text), ['baseline', 'cbam-cli/best', 'shufflenet-a-rather-long-experiment-name', 'cbam-cli/last']);
  for (const l of layout.labels) {
    assert.ok(inside(l.box, layout.plot), `${l.text} inside the plot: ${JSON.stringify(l.box)} in ${JSON.stringify(layout.plot)}`);
    assert.ok(inside(l.box, { x: 0, y: 0, width: 2400, height: 1200 }));
  }
  for (let i = 0; i < layout.labels.length; i++) {
    for (let j = i + 1; j < layout.labels.length; j++) {
      const a = layout.labels[i]!.box, b = layout.labels[j]!.box;
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      assert.ok(apart, `labels ${layout.labels[i]!.text} and ${layout.labels[j]!.text} do not overlap`);
    }
  }
  // mAP 0.030–0.046 fills most of the plot's height (it sat on the floor of a 0–1 axis before); latency its width.
  const ys = layout.points.map((p) => p[1]), xs = layout.points.map((p) => p[0]);
  assert.ok(Math.max(...ys) - Math.min(...ys) > 0.75 * layout.plot.height, `y span ${Math.max(...ys) - Math.min(...ys)} of ${layout.plot.height}`);
  assert.ok(Math.max(...xs) - Math.min(...xs) > 0.75 * layout.plot.width);
});

test('compare.svg: every label glyph starts inside the image and the plot, even for crowded points and very long names', async () => {
  const rows: ComparePoint[] = Array.from({ length: 8 }, (_, i) => ({
    model: `runs/train/${'x'.repeat(10 + 12 * i)}-${i}/weights/best.pt`,
    parameters: 1e6,
    gflops: 4 + (i % 2) * 0.01,
    torchMs: 30 + (i % 3),
    map: 0.2 + (i % 4) * 0.001,
  }));
  const file = join(dir, 'crowded.svg');
  const layout = await plotComparisonChart(rows, file, { svg: true });
  const svg = readFileSync(file, 'utf8');
  const labelRuns = svgTextRuns(svg).filter((t) => /^x+/.test(t.text));
  assert.equal(labelRuns.length, 8, 'one text per label (no spaces in these names)');
  for (const l of layout.labels) assert.ok(inside(l.box, layout.plot), `${l.text}: ${JSON.stringify(l.box)}`);
  for (const t of labelRuns) {
    const first = t.tx + t.xs[0]!, last = t.tx + t.xs[t.xs.length - 1]!;
    assert.ok(first >= layout.plot.x - 0.5 && last <= layout.plot.x + layout.plot.width, `${t.text}: glyphs at ${first}…${last}`);
    assert.ok(t.ty >= layout.plot.y && t.ty <= layout.plot.y + layout.plot.height);
  }
  // the longest names are cut in the middle to fit
  assert.ok(layout.labels.some((l) => l.text.includes('…')));
});

test('shortModelNames: the run folder for weights/best|last, the file stem otherwise, more of the path when they repeat', () => {
  assert.deepEqual(
    shortModelNames(['runs/train/cbam-cli/weights/best.pt', 'runs/train/exp2/weights/last.safetensors', 'configs/models/attention/yolov5s-cbam.yaml', 'yolov5s.yaml']),
    ['cbam-cli', 'exp2', 'yolov5s-cbam', 'yolov5s'],
  );
  assert.deepEqual(shortModelNames(['runs/train/a/weights/best.pt', 'runs/train/a/weights/last.pt']), ['a/best', 'a/last']);
  assert.deepEqual(shortModelNames(['configs/yolov5s.yaml', 'other/yolov5s.yaml']), ['configs/yolov5s', 'other/yolov5s']);
});

test('parseComparisonCsv: columns by name, quoted model names, empty cells absent', () => {
  const text = 'model,layers,parameters,gflops,libtorch_ms,onnxruntime_ms,map50,map50_95\n' + 'yolov5s.yaml,214,7225885,16.4940,,,,\n' + '"runs/a,b/weights/best.pt",214,7225885,16.4940,12.500,8.000,0.51000,0.31000\n';
  const rows = parseComparisonCsv(text);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { model: 'yolov5s.yaml', parameters: 7225885, gflops: 16.494, torchMs: undefined, onnxMs: undefined, map50: undefined, map: undefined });
  assert.equal(rows[1]!.model, 'runs/a,b/weights/best.pt');
  assert.equal(rows[1]!.map, 0.31);
  assert.equal(rows[1]!.torchMs, 12.5);
  assert.throws(() => parseComparisonCsv('a,b\n1,2\n', 'c.csv'), /c\.csv: no 'model' column/);
  assert.throws(() => parseComparisonCsv('model,parameters,gflops\nx,1,abc\n', 'c.csv'), /c\.csv:2: column 'gflops' value 'abc'/);
});
