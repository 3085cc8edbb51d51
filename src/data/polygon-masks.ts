// Polygon → mask rasterisation as YOLOv5 v7.0's utils/segment/dataloaders.py does it: polygon2mask (cv2.fillPoly of
// the int32-truncated points with colour 1, then cv2.resize to 1/downsample_ratio), polygons2masks (one mask per
// polygon) and polygons2masks_overlap (one index mask: polygons sorted by area, largest first, later ones painted
// over earlier ones with their 1-based rank). fillPoly and the uint8 resize are ports of OpenCV's own integer
// algorithms (drawing.cpp's CollectPolyEdges/FillEdgeCollection with 8-connected edge lines; resize.cpp's
// INTER_LINEAR fixed point and the INTER_AREA fast path it takes for exact 2× downscales), so the masks are cv2's
// bit for bit (test/fixtures/segment/make_data_polygon_masks.py).

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

/** `x >> 16` on a 64-bit integer held in a double (arithmetic shift: rounds toward −∞). */
const shr = (x: number) => Math.floor(x / XY_ONE);

/** cv::clipLine on int64 points: clips the segment to [0, w−1]×[0, h−1] in place; false when it misses the image. */
function clipLine(w: number, h: number, p1: { x: number; y: number }, p2: { x: number; y: number }): boolean {
  const right = w - 1;
  const bottom = h - 1;
  if (w <= 0 || h <= 0) return false;
  const code = (p: { x: number; y: number }) => (p.x < 0 ? 1 : 0) + (p.x > right ? 2 : 0) + (p.y < 0 ? 4 : 0) + (p.y > bottom ? 8 : 0);
  let c1 = code(p1);
  let c2 = code(p2);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    if (c1 & 12) {
      const a = c1 < 8 ? 0 : bottom;
      p1.x += Math.trunc(((a - p1.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p1.y = a;
      c1 = (p1.x < 0 ? 1 : 0) + (p1.x > right ? 2 : 0);
    }
    if (c2 & 12) {
      const a = c2 < 8 ? 0 : bottom;
      p2.x += Math.trunc(((a - p2.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p2.y = a;
      c2 = (p2.x < 0 ? 1 : 0) + (p2.x > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        const a = c1 === 1 ? 0 : right;
        p1.y += Math.trunc(((a - p1.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p1.x = a;
        c1 = 0;
      }
      if (c2) {
        const a = c2 === 1 ? 0 : right;
        p2.y += Math.trunc(((a - p2.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p2.x = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0;
}

/** cv::Line with 8-connectivity (LineIterator, left to right): sets the pixels of the clipped segment to `color`. */
function drawLine(mask: Uint8Array, w: number, h: number, a: { x: number; y: number }, b: { x: number; y: number }, color: number): void {
  const p1 = { ...a };
  const p2 = { ...b };
  if (p1.x < 0 || p1.x >= w || p2.x < 0 || p2.x >= w || p1.y < 0 || p1.y >= h || p2.y < 0 || p2.y >= h) {
    if (!clipLine(w, h, p1, p2)) return;
  }
  let dx = p2.x - p1.x;
  let dy = p2.y - p1.y;
  let x = p1.x;
  let y = p1.y;
  if (dx < 0) {
    // left_to_right: start from the other end.
    dx = -dx;
    dy = -dy;
    x = p2.x;
    y = p2.y;
  }
  const ystep = dy < 0 ? -1 : 1;
  dy = Math.abs(dy);
  const steep = dy > dx;
  const major = steep ? dy : dx;
  const minor = steep ? dx : dy;
  let err = major - (minor + minor);
  const plusDelta = major + major;
  const minusDelta = -(minor + minor);
  for (let i = 0; i <= major; i++) {
    mask[y * w + x] = color;
    const minorStep = err < 0;
    err += minusDelta + (minorStep ? plusDelta : 0);
    if (steep) {
      y += ystep;
      if (minorStep) x += 1;
    } else {
      x += 1;
      if (minorStep) y += ystep;
    }
  }
}

interface PolyEdge {
  y0: number;
  y1: number;
  x: number;
  dx: number;
  next: PolyEdge | null;
}

/** cv::fillPoly(mask, [points], color) for one polygon of integer points (shift 0, LINE_8), on a w×h uint8 mask. */
export function fillPoly(mask: Uint8Array, w: number, h: number, xs: ArrayLike<number>, ys: ArrayLike<number>, color = 1): void {
  const count = xs.length;
  if (count === 0) return;
  const edges: PolyEdge[] = [];
  // CollectPolyEdges: each edge drawn as a line, then kept (when not horizontal) with x in 16.16 fixed point.
  let pt0x = xs[count - 1]! * XY_ONE;
  let pt0y = ys[count - 1]!;
  for (let i = 0; i < count; i++) {
    const pt1x = xs[i]! * XY_ONE;
    const pt1y = ys[i]!;
    const t0 = { x: shr(pt0x + (XY_ONE >> 1)), y: pt0y };
    const t1 = { x: shr(pt1x + (XY_ONE >> 1)), y: pt1y };
    drawLine(mask, w, h, t0, t1, color);
    // OpenCV 4.6 keeps the edge between the vertices themselves (no clipping, no half-pixel shift).
    if (pt0y !== pt1y) {
      const dx = Math.trunc((pt1x - pt0x) / (pt1y - pt0y));
      if (pt0y < pt1y) edges.push({ y0: pt0y, y1: pt1y, x: pt0x, dx, next: null });
      else edges.push({ y0: pt1y, y1: pt0y, x: pt1x, dx, next: null });
    }
    pt0x = pt1x;
    pt0y = pt1y;
  }
  fillEdgeCollection(mask, w, h, edges, color);
}

/** FillEdgeCollection: the scanline fill between pairs of active edges (OpenCV's linked-list walk, bubble re-sort). */
function fillEdgeCollection(mask: Uint8Array, w: number, h: number, edges: PolyEdge[], color: number): void {
  const total = edges.length;
  if (total < 2) return;
  let yMax = -Infinity;
  let yMin = Infinity;
  let xMax = -Infinity;
  let xMin = Infinity;
  for (const e of edges) {
    const x1 = e.x + (e.y1 - e.y0) * e.dx;
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
    xMin = Math.min(xMin, e.x, x1);
    xMax = Math.max(xMax, e.x, x1);
  }
  if (yMax < 0 || yMin >= h || xMax < 0 || xMin >= w * XY_ONE) return;
  edges.sort((a, b) => (a.y0 !== b.y0 ? a.y0 - b.y0 : a.x !== b.x ? a.x - b.x : a.dx - b.dx));
  const sentinel: PolyEdge = { y0: Number.MAX_SAFE_INTEGER, y1: 0, x: 0, dx: 0, next: null };
  edges.push(sentinel);
  const tmp: PolyEdge = { y0: 0, y1: 0, x: 0, dx: 0, next: null };
  let i = 0;
  let e = edges[0]!;
  yMax = Math.min(yMax, h);
  const delta = XY_ONE - 1;
  for (let y = e.y0; y < yMax; y++) {
    let draw = false;
    const clipline = y < 0;
    let prelast: PolyEdge = tmp;
    let last = tmp.next;
    while (last || e.y0 === y) {
      if (last && last.y1 === y) {
        prelast.next = last.next;
        last = last.next;
        continue;
      }
      const keepPrelast = prelast;
      if (last && (e.y0 > y || last.x < e.x)) {
        prelast = last;
        last = last.next;
      } else if (i < total) {
        prelast.next = e;
        e.next = last;
        prelast = e;
        e = edges[++i]!;
      } else break;
      if (draw) {
        if (!clipline) {
          let x1: number;
          let x2: number;
          if (keepPrelast.x > prelast.x) {
            x1 = shr(prelast.x + delta);
            x2 = shr(keepPrelast.x);
          } else {
            x1 = shr(keepPrelast.x + delta);
            x2 = shr(prelast.x);
          }
          if (x1 < w && x2 >= 0) {
            if (x1 < 0) x1 = 0;
            if (x2 >= w) x2 = w - 1;
            if (x2 >= x1) mask.fill(color, y * w + x1, y * w + x2 + 1);
          }
        }
        keepPrelast.x += keepPrelast.dx;
        prelast.x += prelast.dx;
      }
      draw = !draw;
    }
    // Bubble sort of the active list by x.
    let keep: PolyEdge | null = null;
    do {
      prelast = tmp;
      last = tmp.next;
      let lastExchange: PolyEdge | null = null;
      while (last !== keep && last && last.next) {
        const te: PolyEdge = last.next;
        if (last.x > te.x) {
          prelast.next = te;
          last.next = te.next;
          te.next = last;
          prelast = te;
          lastExchange = prelast;
        } else {
          prelast = last;
          last = te;
        }
      }
      if (lastExchange === null) break;
      keep = lastExchange;
    } while (keep !== tmp.next && keep !== tmp);
  }
}

/** cvRound / saturate_cast<int> of a double: round half to even (lrint). */
function cvRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * cv2.resize(mask, (nw, nh)) of a one-channel uint8 image with the default INTER_LINEAR: OpenCV's INTER_AREA fast
 * path for an exact 2× downscale, otherwise its fixed-point bilinear (11-bit coefficients, the vectorised rows'
 * rounding).
 */
export function resizeMaskLinear(src: Uint8Array, w: number, h: number, nw: number, nh: number): Uint8Array {
  if (nw === w && nh === h) return src.slice();
  const scaleX = w / nw;
  const scaleY = h / nh;
  const out = new Uint8Array(nw * nh);
  const isx = Math.trunc(cvRound(scaleX));
  const isy = Math.trunc(cvRound(scaleY));
  if (Math.abs(scaleX - isx) < Number.EPSILON && Math.abs(scaleY - isy) < Number.EPSILON && isx === 2 && isy === 2) {
    for (let y = 0; y < nh; y++) {
      for (let x = 0; x < nw; x++) {
        const s = src[2 * y * w + 2 * x]! + src[2 * y * w + 2 * x + 1]! + src[(2 * y + 1) * w + 2 * x]! + src[(2 * y + 1) * w + 2 * x + 1]!;
        out[y * nw + x] = (s + 2) >> 2;
      }
    }
    return out;
  }
  const coefs = (dsize: number, ssize: number, scale: number) => {
    const ofs = new Int32Array(dsize);
    const a0 = new Int32Array(dsize);
    const a1 = new Int32Array(dsize);
    for (let d = 0; d < dsize; d++) {
      let f = Math.fround((d + 0.5) * scale - 0.5);
      let s = Math.floor(f);
      f = Math.fround(f - s);
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= ssize - 1) {
        f = 0;
        s = ssize - 1;
      }
      ofs[d] = s;
      a0[d] = Math.min(32767, cvRound(Math.fround(1 - f) * 2048));
      a1[d] = Math.min(32767, cvRound(f * 2048));
    }
    return { ofs, a0, a1 };
  };
  const cx = coefs(nw, w, scaleX);
  const cy = coefs(nh, h, scaleY);
  const hrow = (sy: number) => {
    const row = new Int32Array(nw);
    for (let x = 0; x < nw; x++) {
      const s = cx.ofs[x]!;
      const s1 = Math.min(s + 1, w - 1);
      row[x] = src[sy * w + s]! * cx.a0[x]! + src[sy * w + s1]! * cx.a1[x]!;
    }
    return row;
  };
  for (let y = 0; y < nh; y++) {
    const sy = cy.ofs[y]!;
    const r0 = hrow(sy);
    const r1 = hrow(Math.min(sy + 1, h - 1));
    const b0 = cy.a0[y]!;
    const b1 = cy.a1[y]!;
    for (let x = 0; x < nw; x++) {
      const v = (((b0 * (r0[x]! >> 4)) >> 16) + ((b1 * (r1[x]! >> 4)) >> 16) + 2) >> 2;
      out[y * nw + x] = Math.max(0, Math.min(255, v));
    }
  }
  return out;
}

/** A polygon as flat pixel coordinates x0 y0 x1 y1 …. */
export type Polygon = ArrayLike<number>;

/** polygon2mask: one polygon filled with `color` on an (h, w) mask, then resized to (h // ratio, w // ratio). */
export function polygon2mask(h: number, w: number, polygon: Polygon, color = 1, downsampleRatio = 1): Uint8Array {
  const mask = new Uint8Array(h * w);
  const n = Math.floor(polygon.length / 2);
  const xs = new Int32Array(n);
  const ys = new Int32Array(n);
  // astype(np.int32): truncation toward zero.
  for (let i = 0; i < n; i++) {
    xs[i] = Math.trunc(polygon[2 * i]!);
    ys[i] = Math.trunc(polygon[2 * i + 1]!);
  }
  fillPoly(mask, w, h, xs, ys, color);
  return resizeMaskLinear(mask, w, h, Math.floor(w / downsampleRatio), Math.floor(h / downsampleRatio));
}

/** polygons2masks: (n, h // ratio, w // ratio) masks, one per polygon, concatenated. */
export function polygons2masks(h: number, w: number, polygons: readonly Polygon[], color = 1, downsampleRatio = 1): Uint8Array {
  const size = Math.floor(h / downsampleRatio) * Math.floor(w / downsampleRatio);
  const out = new Uint8Array(polygons.length * size);
  polygons.forEach((p, i) => out.set(polygon2mask(h, w, p, color, downsampleRatio), i * size));
  return out;
}

/**
 * polygons2masks_overlap: one (h // ratio, w // ratio) index mask — the polygons sorted by mask area, largest first
 * (a stable descending sort, as np.argsort(-areas)), each painted with its 1-based rank over the earlier ones — and
 * that order (`index[k]` = the polygon ranked k); the caller reorders its labels by it. Int32 values past 255
 * polygons, as v7.0 switches dtype.
 */
export function polygons2masksOverlap(h: number, w: number, polygons: readonly Polygon[], downsampleRatio = 1): {
  /** The (h // ratio, w // ratio) index mask: 0 background, k + 1 where the k-th largest polygon is on top. */
  mask: Uint8Array | Int32Array;
  /** The polygons by mask area, largest first (np.argsort(-areas)). */
  index: number[];
} {
  const nh = Math.floor(h / downsampleRatio);
  const nw = Math.floor(w / downsampleRatio);
  const ms = polygons.map((p) => polygon2mask(h, w, p, 1, downsampleRatio));
  const areas = ms.map((m) => m.reduce((s, v) => s + v, 0));
  const index = areas.map((_, i) => i).sort((a, b) => areas[b]! - areas[a]! || a - b);
  const mask = polygons.length > 255 ? new Int32Array(nh * nw) : new Uint8Array(nh * nw);
  const wrap = mask instanceof Uint8Array ? 255 : -1; // numpy's uint8 sum wraps before the clip
  index.forEach((src, k) => {
    const m = ms[src]!;
    const v = k + 1;
    // masks = clip(masks + m·(k+1), 0, k+1): painted pixels become k+1, others keep their value (≤ k).
    for (let p = 0; p < mask.length; p++) if (m[p]) mask[p] = Math.min((mask[p]! + m[p]! * v) & wrap, v);
  });
  return { mask, index };
}
