// Shared by the segment val tests against v7.0's segment/val.py: the committed fixture files, a data YAML over a
// copy of the committed scenes, and the comparison of one box + mask metrics row.
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SegmentMetric } from '../../../src/segment/segment-val.ts';

/** A file under test/fixtures/segment/. */
export const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/segment/${p}`, import.meta.url));

/** A data YAML over a copy of the committed scenes in `dir` (the loader writes its labels.cache beside the labels). */
export function scenesYaml(dir: string): string {
  cpSync(fixture('val_data'), join(dir, 'val_data'), { recursive: true });
  const yaml = join(dir, 'scenes.yaml');
  writeFileSync(yaml, `path: ${join(dir, 'val_data')}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
  return yaml;
}

/** Box and mask P, R, mAP50, mAP50-95 within 1e-6 of val.py's row (its keys: box_p, …, mask_map). */
export function assertSegmentRow(got: { box: SegmentMetric; mask: SegmentMetric }, want: Record<string, number>, what: string): void {
  const pairs: Array<[number, string]> = [
    [got.box.P, 'box_p'], [got.box.R, 'box_r'], [got.box.mAP50, 'box_map50'], [got.box.mAP50_95, 'box_map'],
    [got.mask.P, 'mask_p'], [got.mask.R, 'mask_r'], [got.mask.mAP50, 'mask_map50'], [got.mask.mAP50_95, 'mask_map'],
  ];
  for (const [v, k] of pairs) assert.ok(Math.abs(v - want[k]!) <= 1e-6, `${what} ${k}: ${v} vs v7.0's ${want[k]}`);
}
