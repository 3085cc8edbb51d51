// `tsyolo cocoeval GT.json DT.json [--json]`: pycocotools' printed summary (fixture lines from pycocotools), the
// stats as JSON, and one clear error naming the file (exit 1) for bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const dir = fileURLToPath(new URL('../fixtures/analysis/coco/', import.meta.url));
const ref = JSON.parse(readFileSync(join(dir, 'synthetic_expected.json'), 'utf8')) as { stats: number[]; lines: string[] };
const gt = join(dir, 'synthetic_gt.json');
const dt = join(dir, 'synthetic_dt.json');
const cocoeval = (...args: string[]) => spawnSync(process.execPath, [bin, 'cocoeval', ...args], { encoding: 'utf8' });

test("cocoeval prints pycocotools' 12 summary lines", () => {
  const r = cocoeval(gt, dt);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), ref.lines);
});

test('cocoeval --json prints {"stats": [12 numbers]}', () => {
  const r = cocoeval(gt, dt, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { stats: number[] };
  assert.deepEqual(Object.keys(out), ['stats']);
  out.stats.forEach((v, i) => assert.ok(Math.abs(v - ref.stats[i]!) <= 1e-4, `stat ${i}`));
});

test('cocoeval: bad input is one error line naming the file, exit 1', () => {
  const work = mkdtempSync(join(tmpdir(), 'tsyolo-cocoeval-'));
  const notJson = join(work, 'notes.txt');
  writeFileSync(notJson, 'not { json');
  const noAnns = join(work, 'no-anns.json');
  writeFileSync(noAnns, JSON.stringify({ images: [], categories: [] }));
  const unknownImage = join(work, 'dt-unknown.json');
  writeFileSync(unknownImage, JSON.stringify([{ image_id: 12345, category_id: 1, bbox: [1, 1, 5, 5], score: 0.5 }]));
  const cases: Array<[string[], RegExp]> = [
    [[join(work, 'missing.json'), dt], /missing\.json: cannot read the COCO annotations/],
    [[notJson, dt], /notes\.txt: not JSON/],
    [[noAnns, dt], /no-anns\.json: no 'annotations' list/],
    [[gt, unknownImage], /dt-unknown\.json: detection on image_id 12345, which the ground truth's images do not have/],
    [[gt, gt], /synthetic_gt\.json: detections must be a JSON list/],
  ];
  for (const [args, message] of cases) {
    const r = cocoeval(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^tsyolo: error: /);
  }
});
