// build_targets (YOLOv5 v7.0 ComputeLoss): which grid cells and anchors of each level are responsible for each
// label. Done on the host with the tensor's float precision emulated op by op (Math.fround for float32), so the
// chosen cells and the box targets are bit-identical to YOLOv5's tensor code; the result is small index data.

export interface LevelTargets {
  /** Number of (target, anchor, cell) assignments on this level. */
  n: number;
  /** Image in the batch, anchor, grid row and grid column per assignment (YOLOv5's b, a, gj, gi). */
  image: BigInt64Array;
  anchor: BigInt64Array;
  gj: BigInt64Array;
  gi: BigInt64Array;
  /** Class index per assignment. */
  cls: Int32Array;
  /** The target row (0-based, into the input rows) each assignment came from (the segment loss's mask index). */
  target: Int32Array;
  /** (n, 4): centre relative to the cell (−0.5 … 1.5) and size, in grid units. */
  tbox: Float64Array;
  /** (n, 2): the matched anchor's width and height in grid units. */
  anchorWh: Float64Array;
}

export interface BuildTargetsInput {
  /** Rows of (image, class, cx, cy, w, h), normalised 0–1, flat. */
  targets: ArrayLike<number>;
  /** Anchors in grid units, flat (nl, na, 2). */
  anchors: ArrayLike<number>;
  na: number;
  /** (ny, nx) of each level's map. */
  gridShapes: [number, number][];
  /** Width/height ratio limit between a label and an anchor (hyp anchor_t). */
  anchorT: number;
  /** Precision the tensors would have computed in. */
  precision: 'float32' | 'float64';
}

// The own cell, then the left, upper, right and lower neighbours (YOLOv5's `off` times g = 0.5).
const OFFSETS: [number, number][] = [
  [0, 0],
  [0.5, 0],
  [0, 0.5],
  [-0.5, 0],
  [0, -0.5],
];

export function buildTargets(inp: BuildTargetsInput): LevelTargets[] {
  const r = inp.precision === 'float32' ? Math.fround : (x: number) => x;
  const { targets, na } = inp;
  if (targets.length % 6 !== 0) throw new Error(`build_targets: targets must be rows of 6 values, got ${targets.length} values`);
  const nt = targets.length / 6;
  const anchorT = r(inp.anchorT);
  const frac = (x: number) => x - Math.floor(x); // Python's x % 1

  return inp.gridShapes.map(([ny, nx], level) => {
    // Candidates (anchor-major, then target) whose w and h are within anchor_t of the anchor's, in grid units.
    const cand: { t: number; a: number; gx: number; gy: number; gw: number; gh: number }[] = [];
    for (let a = 0; a < na; a++) {
      const aw = r(inp.anchors[(level * na + a) * 2]!);
      const ah = r(inp.anchors[(level * na + a) * 2 + 1]!);
      for (let t = 0; t < nt; t++) {
        const gw = r(targets[t * 6 + 4]! * nx);
        const gh = r(targets[t * 6 + 5]! * ny);
        const rw = r(gw / aw);
        const rh = r(gh / ah);
        const worst = Math.max(Math.max(rw, r(1 / rw)), Math.max(rh, r(1 / rh)));
        if (worst < anchorT) cand.push({ t, a, gx: r(targets[t * 6 + 2]! * nx), gy: r(targets[t * 6 + 3]! * ny), gw, gh });
      }
    }
    // Each candidate also claims the neighbour cells nearest to its centre (offset-major order, as YOLOv5's mask).
    const rows: { c: (typeof cand)[number]; ox: number; oy: number }[] = [];
    OFFSETS.forEach(([ox, oy], o) => {
      for (const c of cand) {
        const gxi = r(nx - c.gx);
        const gyi = r(ny - c.gy);
        const take = [
          true,
          frac(c.gx) < 0.5 && c.gx > 1,
          frac(c.gy) < 0.5 && c.gy > 1,
          frac(gxi) < 0.5 && gxi > 1,
          frac(gyi) < 0.5 && gyi > 1,
        ][o];
        if (take) rows.push({ c, ox, oy });
      }
    });

    const n = rows.length;
    const out: LevelTargets = {
      n,
      image: new BigInt64Array(n),
      anchor: new BigInt64Array(n),
      gj: new BigInt64Array(n),
      gi: new BigInt64Array(n),
      cls: new Int32Array(n),
      target: new Int32Array(n),
      tbox: new Float64Array(n * 4),
      anchorWh: new Float64Array(n * 2),
    };
    rows.forEach(({ c, ox, oy }, k) => {
      // .long() truncates toward zero; the cell is then clamped into the grid (clamp_ also changes gij for tbox).
      const gi = Math.min(Math.max(Math.trunc(r(c.gx - ox)), 0), nx - 1);
      const gj = Math.min(Math.max(Math.trunc(r(c.gy - oy)), 0), ny - 1);
      out.image[k] = BigInt(Math.trunc(targets[c.t * 6]!));
      out.cls[k] = Math.trunc(targets[c.t * 6 + 1]!);
      out.target[k] = c.t;
      out.anchor[k] = BigInt(c.a);
      out.gi[k] = BigInt(gi);
      out.gj[k] = BigInt(gj);
      out.tbox.set([r(c.gx - gi), r(c.gy - gj), c.gw, c.gh], k * 4);
      out.anchorWh.set([r(inp.anchors[(level * na + c.a) * 2]!), r(inp.anchors[(level * na + c.a) * 2 + 1]!)], k * 2);
    });
    return out;
  });
}
