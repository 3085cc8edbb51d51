// pycocotools' run-length encoding of a binary mask (maskApi.c rleEncode + rleToString): runs counted in column-major
// order starting with zeros, written as COCO's compressed string (5-bit groups, offset 48, counts after the
// second as differences). Browser-safe.

/** A COCO compressed RLE: { size: [h, w], counts }. */
export interface CocoRle {
  /** [height, width]. */
  size: [number, number];
  /** The compressed counts string. */
  counts: string;
}

/** Run lengths of an h×w row-major 0/1 mask in Fortran (column-major) order, beginning with a run of zeros. */
export function rleCounts(mask: ArrayLike<number>, h: number, w: number): number[] {
  const counts: number[] = [];
  let prev = 0;
  let c = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] ? 1 : 0;
      if (v !== prev) {
        counts.push(c);
        c = 0;
        prev = v;
      }
      c++;
    }
  }
  counts.push(c);
  return counts;
}

/** rleToString: COCO's compressed form of run lengths. */
export function rleToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]! - (i > 2 ? counts[i - 2]! : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools.mask.encode of one h×w mask, counts decoded to a string as segment/val.py stores it. */
export function encodeRle(mask: ArrayLike<number>, h: number, w: number): CocoRle {
  return { size: [h, w], counts: rleToString(rleCounts(mask, h, w)) };
}
