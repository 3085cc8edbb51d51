// pycocotools' mask API (cocoapi common/maskApi.c and PythonAPI's _mask.pyx / mask.py) in TypeScript: run-length
// encoded binary masks (column-major runs starting with zeros), their compressed string form, encode / decode,
// merge, area, IoU with iscrowd, bounding boxes, polygons and boxes to RLE, and annToRLE's reading of a COCO
// `segmentation` (polygons, uncompressed or compressed RLE). The C code's unsigned 32-bit arithmetic and its
// (int) casts are reproduced, so every count, area and IoU is the same number. Browser-safe, no I/O.

/** A COCO compressed RLE as JSON holds it: { size: [h, w], counts }. */
export interface CocoRle {
  /** [height, width]. */
  size: [number, number];
  /** The compressed counts string (6-bit characters from '0', LEB128-like, counts after the second as differences). */
  counts: string;
}

/** An uncompressed RLE as COCO's crowd annotations hold it: counts as a list of run lengths. */
export interface CocoUncompressedRle {
  /** [height, width]. */
  size: [number, number];
  /** Run lengths, column-major, beginning with a run of zeros. */
  counts: number[];
}

/** A COCO `segmentation`: polygons ([[x1, y1, x2, y2, …], …] in pixels), or an uncompressed or compressed RLE. */
export type CocoSegmentation = number[][] | CocoRle | CocoUncompressedRle;

/** maskApi.c's RLE: h, w and the run lengths (uint32). */
export interface Rle {
  /** Height. */
  h: number;
  /** Width. */
  w: number;
  /** Run lengths in column-major order, beginning with zeros. */
  cnts: Uint32Array;
}

/** (int)x as x86 computes it: truncation toward zero; NaN or out of int range gives INT_MIN (cvttsd2si). */
function cInt(x: number): number {
  return x >= -2147483648 && x < 2147483648 ? Math.trunc(x) : -2147483648;
}

/** rleEncode: run lengths of an h×w 0/1 mask given row-major (the pixel at row y, column x is mask[y·w + x]). */
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

/** rleToString: COCO's compressed form of run lengths (differences taken in 64-bit, as the C code's long). */
export function rleToString(counts: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]! - (i > 2 ? counts[i - 2]! : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f; // the low 5 bits (two's complement, as the C long)
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** rleFrString: run lengths of a compressed counts string (the C code's 32-bit shifts and uint wrap-around). */
export function rleFromString(s: string, h: number, w: number): Rle {
  const cnts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error(`RLE counts string ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)} ends inside a number`);
      const c = ((s.charCodeAt(p) - 48) << 24) >> 24; // a signed char
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    const m = cnts.length;
    cnts.push(m > 2 ? (x + cnts[m - 2]!) >>> 0 : x >>> 0);
  }
  return { h, w, cnts: Uint32Array.from(cnts) };
}

/** pycocotools.mask.encode of one h×w mask (row-major 0/1), counts as the string segment/val.py stores. */
export function encodeRle(mask: ArrayLike<number>, h: number, w: number): CocoRle {
  return { size: [h, w], counts: rleToString(rleCounts(mask, h, w)) };
}

/** rleDecode: the h×w mask, row-major (mask[y·w + x]); runs past h·w are an Error. */
export function rleDecode(r: Rle): Uint8Array {
  const { h, w } = r;
  const out = new Uint8Array(h * w);
  let j = 0;
  let v = 0;
  for (const n of r.cnts) {
    if (j + n > h * w) throw new Error(`RLE runs cover more than its ${h}×${w} pixels`);
    if (v) for (let k = j; k < j + n; k++) out[(k % h) * w + Math.floor(k / h)] = 1;
    j += n;
    v ^= 1;
  }
  return out;
}

/** rleArea: the count of 1 pixels (the odd runs), uint32. */
export function rleArea(r: Rle): number {
  let a = 0;
  for (let j = 1; j < r.cnts.length; j += 2) a = (a + r.cnts[j]!) >>> 0;
  return a;
}

/** rleMerge: union (or with `intersect`, intersection) of RLEs of one size; different sizes give an empty 0×0 RLE. */
export function rleMerge(rs: readonly Rle[], intersect = false): Rle {
  if (rs.length === 0) return { h: 0, w: 0, cnts: new Uint32Array(0) };
  let { h, w } = rs[0]!;
  let cnts = Array.from(rs[0]!.cnts);
  if (rs.length === 1) return { h, w, cnts: Uint32Array.from(cnts) };
  for (let i = 1; i < rs.length; i++) {
    const B = rs[i]!;
    if (B.h !== h || B.w !== w) {
      h = w = 0;
      cnts = [];
      break;
    }
    const A = cnts;
    const out: number[] = [];
    let ca = A[0]!;
    let cb = B.cnts[0]!;
    let v = 0;
    let va = 0;
    let vb = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc = (cc + c) >>> 0;
      ct = 0;
      ca -= c;
      if (!ca && a < A.length) {
        ca = A[a++]!;
        va ^= 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < B.cnts.length) {
        cb = B.cnts[b++]!;
        vb ^= 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? va & vb : va | vb;
      if (v !== vp || ct === 0) {
        out.push(cc);
        cc = 0;
      }
    }
    cnts = out;
  }
  return { h, w, cnts: Uint32Array.from(cnts) };
}

/** rleToBbox: [x, y, w, h] of the mask's pixels ([0, 0, 0, 0] when empty), with the C code's uint arithmetic. */
export function rleToBbox(r: Rle): [number, number, number, number] {
  const h = r.h >>> 0;
  const m = Math.floor(r.cnts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  if (h === 0) throw new Error('RLE of height 0 with runs: no bounding box');
  let xs = r.w >>> 0;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc = (cc + r.cnts[j]!) >>> 0;
    const t = (cc - (j % 2)) >>> 0;
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, ((xe - xs) >>> 0) + 1, ((ye - ys) >>> 0) + 1].map((v) => v >>> 0) as [number, number, number, number];
}

/** rleFrPoly: the RLE of a polygon [x1, y1, x2, y2, …] (pixels; an odd trailing value is ignored) on an h×w image. */
export function rleFromPolygon(xy: ArrayLike<number>, h: number, w: number): Rle {
  const k = Math.floor(xy.length / 2);
  const scale = 5;
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = cInt(scale * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = cInt(scale * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;
  // Upsample: discrete points densely along the whole boundary.
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy; // 0/0 is NaN, as in C
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(cInt(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(cInt(xs + s * t + 0.5));
      }
    }
  }
  // Points along the y-boundary, downsampled.
  const bx: number[] = [];
  const by: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > (w === 0 ? 2 ** 64 - 1 : w - 1)) continue; // w - 1 is unsigned
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx.push(cInt(xd));
    by.push(cInt(yd));
  }
  // RLE from the boundary points: sorted positions, differences, zero runs folded into the previous one.
  const a = new Uint32Array(bx.length + 1);
  for (let j = 0; j < bx.length; j++) a[j] = (Math.imul(bx[j]!, h | 0) + by[j]!) >>> 0;
  a[bx.length] = (h * w) >>> 0;
  a.sort();
  let p = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]!;
    a[j] = (a[j]! - p) >>> 0;
    p = t;
  }
  const b: number[] = [a[0]!];
  let j = 1;
  while (j < a.length) {
    if (a[j]! > 0) b.push(a[j++]!);
    else {
      j++;
      if (j < a.length) b[b.length - 1] = (b[b.length - 1]! + a[j++]!) >>> 0;
    }
  }
  return { h, w, cnts: Uint32Array.from(b) };
}

/** rleFrBbox: the RLE of a box [x, y, w, h] (as the polygon of its four corners). */
export function rleFromBbox(bb: readonly number[], h: number, w: number): Rle {
  const [xs, ys] = [bb[0]!, bb[1]!];
  const [xe, ye] = [xs + bb[2]!, ys + bb[3]!];
  return rleFromPolygon([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}

/** maskApi's bbIou for one [x, y, w, h] pair, in its operation order: D ∩ G over D ∪ G (over D alone for a crowd G), 0 when they do not overlap. */
export function bbIou(db: readonly number[], gb: readonly number[], crowd: boolean): number {
  const da = db[2]! * db[3]!;
  const ga = gb[2]! * gb[3]!;
  const w = Math.min(db[2]! + db[0]!, gb[2]! + gb[0]!) - Math.max(db[0]!, gb[0]!);
  if (w <= 0) return 0;
  const hh = Math.min(db[3]! + db[1]!, gb[3]! + gb[1]!) - Math.max(db[1]!, gb[1]!);
  if (hh <= 0) return 0;
  const i = w * hh;
  return i / (crowd ? da : da + ga - i);
}

/**
 * rleIou: IoU of D detection masks × G ground-truth masks, row-major [d·G + g]. As maskApi: only pairs whose bounding
 * boxes overlap are measured; a crowd GT's union is the detection's own area; masks of different sizes give -1.
 */
export function rleIou(dt: readonly Rle[], gt: readonly Rle[], iscrowd: readonly boolean[]): Float64Array {
  const D = dt.length;
  const G = gt.length;
  const out = new Float64Array(D * G);
  const db = dt.map(rleToBbox);
  const gb = gt.map(rleToBbox);
  for (let g = 0; g < G; g++) {
    const crowd = iscrowd[g] === true;
    const B = gt[g]!;
    for (let d = 0; d < D; d++) {
      if (!(bbIou(db[d]!, gb[g]!, crowd) > 0)) continue;
      const A = dt[d]!;
      if (A.h !== B.h || A.w !== B.w) {
        out[d * G + g] = -1;
        continue;
      }
      let ca = A.cnts[0]!;
      let cb = B.cnts[0]!;
      const ka = A.cnts.length;
      const kb = B.cnts.length;
      let va = 0;
      let vb = 0;
      let a = 1;
      let b = 1;
      let i = 0;
      let u = 0;
      let ct = 1;
      while (ct > 0) {
        const c = Math.min(ca, cb);
        if (va || vb) {
          u = (u + c) >>> 0;
          if (va && vb) i = (i + c) >>> 0;
        }
        ct = 0;
        ca -= c;
        if (!ca && a < ka) {
          ca = A.cnts[a++]!;
          va ^= 1;
        }
        ct += ca;
        cb -= c;
        if (!cb && b < kb) {
          cb = B.cnts[b++]!;
          vb ^= 1;
        }
        ct += cb;
      }
      if (i === 0) u = 1;
      else if (crowd) u = rleArea(A);
      out[d * G + g] = i / u;
    }
  }
  return out;
}

/** A compressed RLE object as an Rle (pycocotools' _frString); `at` names it in errors. */
export function rleFromObject(o: CocoRle, at = 'segmentation'): Rle {
  const [h, w] = checkSize(o.size, at);
  if (typeof o.counts !== 'string') throw new Error(`${at}: RLE counts must be a string (compressed RLE)`);
  return rleFromString(o.counts, h, w);
}

/** An Rle as a compressed RLE object (pycocotools' _toString). */
export function rleToObject(r: Rle): CocoRle {
  return { size: [r.h, r.w], counts: rleToString(r.cnts) };
}

function checkSize(size: unknown, at: string): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(`${at}: RLE size must be [height, width]`);
  }
  return [size[0] as number, size[1] as number];
}

const isRleObject = (v: unknown): v is { size: unknown; counts: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v) && 'counts' in v && 'size' in v;

/** frUncompressedRLE: counts as a list, taken as uint32 (the size is the object's own, not the image's). */
function rleFromUncompressed(o: { size: unknown; counts: unknown }, at: string): Rle {
  const [h, w] = checkSize(o.size, at);
  const counts = o.counts;
  if (!Array.isArray(counts) || !counts.every((c) => typeof c === 'number' && Number.isFinite(c))) throw new Error(`${at}: uncompressed RLE counts must be a list of numbers`);
  return { h, w, cnts: Uint32Array.from(counts as number[], (c) => Math.trunc(c) >>> 0) };
}

/**
 * COCO.annToRLE: an annotation's `segmentation` as one RLE on its h×w image. Polygons (a list of parts, each
 * [x1, y1, …] with more than 4 numbers) are rasterised part by part (frPyObjects) and merged into one mask; an
 * uncompressed RLE (counts a list) is converted; a compressed RLE is taken as it is. What pycocotools cannot read
 * (an empty list, a first part of 4 numbers or fewer, other shapes) is an Error naming `at`.
 */
export function segmentationToRle(segm: unknown, h: number, w: number, at = 'segmentation'): Rle {
  if (Array.isArray(segm)) {
    const first: unknown = segm[0];
    if (first === undefined) throw new Error(`${at}: an empty polygon list (pycocotools cannot read it)`);
    if (isRleObject(first)) return rleMerge(segm.map((o, i) => rleFromUncompressed(isRleObject(o) ? o : { size: undefined, counts: undefined }, `${at}[${i}]`)));
    if (!Array.isArray(first)) throw new Error(`${at}: polygons must be a list of [x1, y1, x2, y2, …] lists`);
    if (first.length <= 4) throw new Error(`${at}: a polygon of ${first.length} numbers (pycocotools reads 4 as a box list, which it cannot rasterise, and fewer not at all)`);
    const parts = segm.map((part, i) => {
      if (!Array.isArray(part) || !part.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`${at}[${i}]: a polygon must be a list of numbers`);
      return rleFromPolygon(part as number[], h, w);
    });
    return rleMerge(parts);
  }
  if (isRleObject(segm)) {
    if (Array.isArray(segm.counts)) return rleFromUncompressed(segm, at);
    if (typeof segm.counts === 'string') return rleFromObject(segm as CocoRle, at);
    throw new Error(`${at}: RLE counts must be a string or a list of numbers`);
  }
  throw new Error(`${at}: a segmentation must be polygons or an RLE {size, counts}`);
}
