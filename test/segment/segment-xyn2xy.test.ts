// xyn2xy as v7.0's segment loader computes it (test/fixtures/segment/make_xyn2xy.py): float32 pixel coordinates, so
// that fillPoly's truncation puts polygon vertices on the same pixels as v7.0 (float64 lands some a hair below).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { xyn2xy } from '../../src/data/segments.ts';

const fixture = fileURLToPath(new URL('../fixtures/segment/xyn2xy_expected.json', import.meta.url));

test('xyn2xy equals v7.0 on float32 segments (values and their int32 truncation)', () => {
  const { cases } = JSON.parse(readFileSync(fixture, 'utf8')) as { cases: Array<{ w: number; h: number; padw: number; padh: number; xy: number[]; out: number[]; int32: number[] }> };
  assert.equal(cases.length, 3);
  let float64Differs = 0;
  for (const c of cases) {
    const got = xyn2xy(Float32Array.from(c.xy), c.w, c.h, c.padw, c.padh);
    assert.deepEqual(Array.from(got), c.out, `w ${c.w} pad ${c.padw},${c.padh}: coordinates`);
    assert.deepEqual(Array.from(got, (v) => Math.trunc(v) + 0), c.int32, `w ${c.w}: truncated pixels`);
    // The fixture has values where the float64 product truncates to another pixel.
    c.xy.forEach((v, i) => {
      const f64 = (i % 2 ? c.h : c.w) * v + (i % 2 ? c.padh : c.padw);
      if (Math.trunc(f64) !== c.int32[i]) float64Differs++;
    });
  }
  assert.ok(float64Differs > 0, 'some float64 coordinates truncate differently');
});
