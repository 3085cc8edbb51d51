// `tsyolo compare` of YAMLs with different class counts warns (the heads differ too), and `--nc N` builds every YAML
// entry with N classes so Δparams is the block's own. Parameter counts are YOLOv5 v7.0's: Model(cfg, nc=…) printed
// 7235389 (yolov5s, 80), 7046599 (yolov5s, 10) and 7235645 / 7046855 (yolov5s-transformer, 80 / 10): C3TR adds 256.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-compare-nc-'));
// yolov5s-transformer.yaml (C3TR in place of layer 8's C3) as a user's 10-class copy.
const tenClass = join(work, 'yolov5s-transformer-10.yaml');
const shipped = readFileSync(fileURLToPath(new URL('../../configs/models/yolov5s-transformer.yaml', import.meta.url)), 'utf8');
writeFileSync(tenClass, shipped.replace(/^nc: 80\b/m, 'nc: 10'));

const compare = (...args: string[]) => spawnSync(process.execPath, [bin, 'compare', 'yolov5s.yaml', tenClass, '--project', join(work, 'runs'), ...args], { encoding: 'utf8' });
const params = (stdout: string, entry: string) => Number(new RegExp(`^${entry.replace(/[.\\/]/g, '\\$&')}\\s+\\d+\\s+(\\d+)`, 'm').exec(stdout)?.[1]);

test('an 80-class and a 10-class YAML: a warning naming both counts, and the table shows the head difference (−2.6%)', () => {
  assert.notEqual(readFileSync(tenClass, 'utf8'), shipped);
  const r = compare();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WARNING ⚠️ the entries have different class counts \(yolov5s\.yaml: 80, .*yolov5s-transformer-10\.yaml: 10\): .*add --nc N/);
  assert.equal(params(r.stdout, 'yolov5s.yaml'), 7235389);
  assert.equal(params(r.stdout, tenClass), 7046855);
  assert.match(r.stdout, /yolov5s-transformer-10\.yaml\s+217\s+7046855\s+[\d.]+\s+-2\.6%/);
  assert.match(readFileSync(join(work, 'runs', 'exp', 'compare.md'), 'utf8'), /Class counts differ \(yolov5s\.yaml: 80, .*: 10\)/);
});

test("--nc 10: both built with 10 classes, no warning, and the parameter difference is C3TR's own (+256)", () => {
  const r = compare('--nc', '10');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /WARNING/);
  assert.equal(params(r.stdout, 'yolov5s.yaml'), 7046599);
  assert.equal(params(r.stdout, tenClass), 7046855);
  assert.equal(params(r.stdout, tenClass) - params(r.stdout, 'yolov5s.yaml'), 7235645 - 7235389);
  assert.match(r.stdout, /yolov5s-transformer-10\.yaml\s+217\s+7046855\s+[\d.]+\s+\+0\.0%/);
});
