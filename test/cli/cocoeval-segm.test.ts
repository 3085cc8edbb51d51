// `tsyolo cocoeval GT DT --iou-type segm|bbox`: pycocotools' 'segm' summary of mask detections (fixture from
// test/fixtures/analysis/coco/make_segm.py), bbox by default, and clear errors for a bad type or a GT without masks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const dir = fileURLToPath(new URL('../fixtures/analysis/coco/', import.meta.url));
const ref = JSON.parse(readFileSync(join(dir, 'segm_expected.json'), 'utf8')) as Record<string, { stats: number[]; lines: string[] }>;
const cocoeval = (...args: string[]) => spawnSync(process.execPath, [bin, 'cocoeval', ...args], { encoding: 'utf8' });

test("cocoeval --iou-type segm prints pycocotools' segm summary; bbox is the default; --json gives the exact stats", () => {
  const gt = join(dir, 'segm_gt.json');
  const dt = join(dir, 'segm_dt.json');
  const segm = cocoeval(gt, dt, '--iou-type', 'segm');
  assert.equal(segm.status, 0, segm.stderr);
  assert.deepEqual(segm.stdout.trimEnd().split('\n'), ref.segm!.lines);
  const bbox = cocoeval(gt, dt);
  assert.equal(bbox.status, 0, bbox.stderr);
  assert.deepEqual(bbox.stdout.trimEnd().split('\n'), ref.bbox!.lines);
  const json = cocoeval(gt, dt, '--iou-type', 'segm', '--json');
  assert.deepEqual(JSON.parse(json.stdout), { stats: ref.segm!.stats });
});

test('cocoeval --iou-type: an unknown type, or segm against a GT without masks, is one error line (exit 1)', () => {
  const bad = cocoeval(join(dir, 'segm_gt.json'), join(dir, 'segm_dt.json'), '--iou-type', 'keypoints');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--iou-type must be bbox or segm, got 'keypoints'|iou-type.*bbox.*segm/);
  const noMasks = cocoeval(join(dir, 'synthetic_gt.json'), join(dir, 'synthetic_dt.json'), '--iou-type', 'segm');
  assert.equal(noMasks.status, 1);
  assert.match(noMasks.stderr, /annotation \d+ \(image \d+\) has no segmentation/);
  assert.equal(noMasks.stderr.trim().split('\n').length, 1, noMasks.stderr);
});
