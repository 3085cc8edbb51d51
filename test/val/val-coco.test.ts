// val --save-json runs the COCO evaluation: against a GT made from the YOLO labels (which must equal the GT that
// make_realistic.py builds in Python from the same label files) and, with the data YAML's `coco_annotations`, against
// that file (categories matched by name). The printed summary must be pycocotools' on the same files
// (test/fixtures/analysis/coco/realistic_*.json, made by make_realistic.py with the same scenes and settings).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { yoloToCoco } from '../../src/convert/yolo-to-coco.ts';
import { generateDigits } from '../../src/data/digits.ts';
import { loadBackend } from '../../src/deploy/load-backend.ts';
import type { CocoDataset } from '../../src/eval/coco-dataset.ts';
import { val } from '../../src/val/val.ts';
import { cocoAnnotationFile } from '../../src/val/val-coco.ts';
import type { DatasetConfig } from '../../src/data/dataset-config.ts';

const fixtures = fileURLToPath(new URL('../fixtures/analysis/coco/', import.meta.url));
const weights = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
const ref = JSON.parse(readFileSync(join(fixtures, 'realistic_expected.json'), 'utf8')) as { stats: number[]; lines: string[] };
const refGt = JSON.parse(readFileSync(join(fixtures, 'realistic_gt.json'), 'utf8')) as CocoDataset;
const work = mkdtempSync(join(tmpdir(), 'tsyolo-val-coco-'));
// The scenes of make_realistic.py: `tsyolo data digits --train 1 --val 20 --img 320 --seed 28`.
const ready = generateDigits({ out: join(work, 'digits'), train: 1, val: 20, img: 320, seed: 28, log: () => {} });

async function runVal(data: string, name: string): Promise<{ lines: string[]; r: Awaited<ReturnType<typeof val>> }> {
  const lines: string[] = [];
  const model = await loadBackend(weights);
  const r = await val({ data, model, weightsFile: weights, imgsz: 320, batchSize: 8, workers: 0, saveJson: true, plots: false, project: join(work, 'runs'), name, log: (s) => lines.push(...s.split('\n')), progress: false });
  model.dispose();
  return { lines, r };
}

function assertSummary(lines: string[], r: Awaited<ReturnType<typeof val>>): void {
  const start = lines.indexOf(ref.lines[0]!);
  assert.ok(start >= 0, `no COCO summary in:\n${lines.join('\n')}`);
  assert.deepEqual(lines.slice(start, start + 12), ref.lines);
  assert.match(lines[start + 12]!, /^ +COCO +AP +AP50 +AP75 +APs +APm +APl$/);
  assert.deepEqual(lines[start + 13]!.trim().split(/ +/).slice(1).map(Number), ref.stats.slice(0, 6).map((s) => Number(s.toFixed(3))));
  const stats = r.coco!.stats;
  stats.forEach((v, i) => assert.ok(Math.abs(v - ref.stats[i]!) <= 1e-4, `stat ${i}: ${v} vs pycocotools ${ref.stats[i]}`));
  // v7.0: the returned mAP@0.5:0.95 and mAP@0.5 become pycocotools' stats[0] and stats[1].
  assert.equal(r.mAP50_95, stats[0]);
  assert.equal(r.mAP50, stats[1]);
}

function assertSameGt(got: CocoDataset, want: CocoDataset): void {
  assert.deepEqual(got.images, want.images);
  assert.deepEqual(got.categories, want.categories);
  assert.equal(got.annotations.length, want.annotations.length);
  got.annotations.forEach((a, i) => {
    const b = want.annotations[i]!;
    assert.deepEqual([a.id, a.image_id, a.category_id, a.iscrowd], [b.id, b.image_id, b.category_id, b.iscrowd]);
    a.bbox.forEach((v, k) => assert.ok(Math.abs(v - b.bbox[k]!) <= 1.5e-3, `annotation ${i} bbox ${a.bbox} vs ${b.bbox}`));
    assert.ok(Math.abs(a.area - b.area) <= 0.5, `annotation ${i} area ${a.area} vs ${b.area}`);
  });
}

test("val --save-json: COCO summary against the YOLO labels' GT equals pycocotools on the same files", async () => {
  const data = await ready;
  const { lines, r } = await runVal(data.yamlPath, 'labels');
  assertSummary(lines, r);
  const written = JSON.parse(readFileSync(r.coco!.annotations, 'utf8')) as CocoDataset;
  assert.equal(r.coco!.annotations, join(r.saveDir!, 'val_labels_coco.json'));
  assertSameGt(written, refGt);
  assertSameGt(await yoloToCoco(data.yamlPath), refGt);
  // The predictions file is the one evaluated: the fixture's detections, same images and counts.
  const dts = JSON.parse(readFileSync(r.coco!.predictions, 'utf8')) as unknown[];
  const refDts = JSON.parse(readFileSync(join(fixtures, 'realistic_dt.json'), 'utf8')) as unknown[];
  assert.equal(dts.length, refDts.length);
});

test('val --save-json: a data YAML naming coco_annotations is evaluated against that file, classes matched by name', async () => {
  const data = await ready;
  // The same GT with category ids 1..10 (as a COCO export numbers them), listed in reverse order.
  const shifted = { ...refGt, categories: [...refGt.categories].reverse().map((c) => ({ ...c, id: c.id + 1 })), annotations: refGt.annotations.map((a) => ({ ...a, category_id: a.category_id + 1 })) };
  writeFileSync(join(data.out, 'instances_val.json'), JSON.stringify(shifted));
  const yaml = join(data.out, 'data-coco.yaml');
  writeFileSync(yaml, `${readFileSync(data.yamlPath, 'utf8')}coco_annotations: instances_val.json\n`);
  const { lines, r } = await runVal(yaml, 'annotations');
  assertSummary(lines, r);
  assert.equal(r.coco!.annotations, join(data.out, 'instances_val.json'));
  const dts = JSON.parse(readFileSync(r.coco!.predictions, 'utf8')) as Array<{ category_id: number }>;
  assert.ok(dts.every((d) => d.category_id >= 1 && d.category_id <= 10), 'predictions carry the file’s category ids');
});

test("cocoAnnotationFile: the YAML's coco_annotations (path or map by split), else v7.0's annotations/instances_val2017.json for val", () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-coco-ann-'));
  const cfg = (yaml: string): DatasetConfig => {
    const yamlPath = join(root, `${yaml.length}.yaml`);
    writeFileSync(yamlPath, yaml);
    return { path: root, train: [root], val: [root], names: ['a'], nc: 1, yamlPath };
  };
  const plain = cfg('names: [a]\n');
  assert.equal(cocoAnnotationFile(plain, 'val'), null);
  mkdirSync(join(root, 'annotations'));
  writeFileSync(join(root, 'annotations', 'instances_val2017.json'), '{}');
  writeFileSync(join(root, 'test.json'), '{}');
  assert.equal(cocoAnnotationFile(plain, 'val'), join(root, 'annotations', 'instances_val2017.json'));
  assert.equal(cocoAnnotationFile(plain, 'test'), null);
  assert.equal(cocoAnnotationFile(cfg('coco_annotations: test.json\n'), 'val'), join(root, 'test.json'));
  const bySplit = cfg('coco_annotations:\n  test: test.json\n');
  assert.equal(cocoAnnotationFile(bySplit, 'test'), join(root, 'test.json'));
  assert.equal(cocoAnnotationFile(bySplit, 'val'), join(root, 'annotations', 'instances_val2017.json'));
  assert.throws(() => cocoAnnotationFile(cfg('coco_annotations: nowhere.json\n'), 'val'), /'coco_annotations' file .*nowhere\.json does not exist/);
});
