// Comparing detection rows (x1, y1, x2, y2, conf, cls) from two runtimes.
import assert from 'node:assert/strict';

/** Same detections as sets: each row has a partner of the same class, boxes within 1 px, conf within 1e-4 relative. */
export function assertSameDetections(got: ArrayLike<number>, want: ArrayLike<number>): void {
  assert.equal(got.length, want.length, `${got.length / 6} vs ${want.length / 6} detections`);
  const used = new Set<number>();
  for (let r = 0; r < got.length / 6; r++) {
    let match = -1;
    for (let k = 0; k < want.length / 6 && match < 0; k++) {
      if (used.has(k) || got[r * 6 + 5] !== want[k * 6 + 5]) continue;
      let ok = Math.abs(got[r * 6 + 4]! - want[k * 6 + 4]!) <= 1e-4 * want[k * 6 + 4]!;
      for (let c = 0; c < 4; c++) ok &&= Math.abs(got[r * 6 + c]! - want[k * 6 + c]!) <= 1;
      if (ok) match = k;
    }
    assert.ok(match >= 0, `detection ${r} [${Array.from({ length: 6 }, (_, c) => got[r * 6 + c]).join(', ')}] has no partner`);
    used.add(match);
  }
}

