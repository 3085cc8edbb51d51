// AutoAnchor (utils/autoanchor.py): check how well the anchors fit the labels (best possible recall) and, when
// BPR ≤ 0.98, evolve new ones with k-means + a genetic search; keep them only if they recall more.
import { SeededRandom } from '../data/seeded-random.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';

/** Label sizes in pixels with each image's long side scaled to imgsz (optionally jittered 0.9–1.1 per image). */
export function labelSizes(labels: Float32Array[], shapes: Array<[number, number]>, imgsz: number, rng?: SeededRandom): Float64Array {
  const out: number[] = [];
  labels.forEach((l, i) => {
    const [w, h] = shapes[i]!;
    const s = (imgsz / Math.max(w, h)) * (rng ? rng.uniform(0.9, 1.1) : 1);
    for (let r = 0; r < l.length; r += 5) out.push(l[r + 3]! * w * s, l[r + 4]! * h * s);
  });
  return Float64Array.from(out);
}

/** For each label, x = min over (w, h) of min(r, 1/r) per anchor; returns best per label and anchors above 1/thr. */
function ratios(wh: Float64Array, anchors: Float64Array, thr: number): { best: Float64Array; aboveCount: Float64Array } {
  const n = wh.length / 2;
  const k = anchors.length / 2;
  const best = new Float64Array(n);
  const aboveCount = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    let c = 0;
    for (let j = 0; j < k; j++) {
      const rw = wh[2 * i]! / anchors[2 * j]!;
      const rh = wh[2 * i + 1]! / anchors[2 * j + 1]!;
      const x = Math.min(Math.min(rw, 1 / rw), Math.min(rh, 1 / rh));
      if (x > b) b = x;
      if (x > 1 / thr) c++;
    }
    best[i] = b;
    aboveCount[i] = c;
  }
  return { best, aboveCount };
}

export function anchorMetrics(wh: Float64Array, anchors: Float64Array, thr: number): { bpr: number; aat: number } {
  const { best, aboveCount } = ratios(wh, anchors, thr);
  let bpr = 0;
  let aat = 0;
  for (let i = 0; i < best.length; i++) {
    if (best[i]! > 1 / thr) bpr++;
    aat += aboveCount[i]!;
  }
  return { bpr: best.length ? bpr / best.length : 0, aat: best.length ? aat / best.length : 0 };
}

function anchorFitness(wh: Float64Array, anchors: Float64Array, thr: number): number {
  const { best } = ratios(wh, anchors, thr);
  let s = 0;
  for (const b of best) if (b > 1 / thr) s += b;
  return best.length ? s / best.length : 0;
}

/** k-means (Lloyd, whitened like scipy's kmeans) then 1000 generations of mutation; sorted by area. */
export function kmeanAnchors(wh0: Float64Array, n: number, thr: number, rng: SeededRandom, generations = 1000): Float64Array {
  // Labels under 2 px carry no shape information (YOLOv5 filters them the same way).
  const kept: number[] = [];
  for (let i = 0; i < wh0.length; i += 2) if (wh0[i]! >= 2 || wh0[i + 1]! >= 2) kept.push(wh0[i]!, wh0[i + 1]!);
  const wh = Float64Array.from(kept);
  const m = wh.length / 2;
  if (m < n) throw new Error(`AutoAnchor: ${m} labels are too few to fit ${n} anchors`);
  const std = [0, 1].map((d) => {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += wh[2 * i + d]!;
    mean /= m;
    let v = 0;
    for (let i = 0; i < m; i++) v += (wh[2 * i + d]! - mean) ** 2;
    return Math.sqrt(v / m) || 1;
  }) as [number, number];
  const centres = new Float64Array(n * 2);
  const picks = new Set<number>();
  while (picks.size < n) picks.add(rng.below(m));
  [...picks].forEach((p, j) => {
    centres[2 * j] = wh[2 * p]! / std[0];
    centres[2 * j + 1] = wh[2 * p + 1]! / std[1];
  });
  const assign = new Int32Array(m);
  for (let iter = 0; iter < 30; iter++) {
    for (let i = 0; i < m; i++) {
      let bestJ = 0;
      let bestD = Infinity;
      for (let j = 0; j < n; j++) {
        const d = (wh[2 * i]! / std[0] - centres[2 * j]!) ** 2 + (wh[2 * i + 1]! / std[1] - centres[2 * j + 1]!) ** 2;
        if (d < bestD) [bestD, bestJ] = [d, j];
      }
      assign[i] = bestJ;
    }
    const sums = new Float64Array(n * 3);
    for (let i = 0; i < m; i++) {
      const j = assign[i]!;
      sums[3 * j] += wh[2 * i]! / std[0];
      sums[3 * j + 1] += wh[2 * i + 1]! / std[1];
      sums[3 * j + 2]++;
    }
    for (let j = 0; j < n; j++) if (sums[3 * j + 2]! > 0) [centres[2 * j], centres[2 * j + 1]] = [sums[3 * j]! / sums[3 * j + 2]!, sums[3 * j + 1]! / sums[3 * j + 2]!];
  }
  let k = Float64Array.from(centres, (v, i) => v * std[i % 2]!);
  let f = anchorFitness(wh, k, thr);
  for (let g = 0; g < generations; g++) {
    const v = new Float64Array(k.length).fill(1);
    while (v.every((x) => x === 1)) {
      for (let i = 0; i < v.length; i++) v[i] = rng.random() < 0.9 ? Math.min(Math.max(rng.random() * rng.normal() * 0.1 + 1, 0.3), 3.0) : 1;
    }
    const kg = Float64Array.from(k, (x, i) => Math.max(x * v[i]!, 2.0));
    const fg = anchorFitness(wh, kg, thr);
    if (fg > f) [f, k] = [fg, kg];
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => k[2 * a]! * k[2 * a + 1]! - k[2 * b]! * k[2 * b + 1]!);
  return Float64Array.from(order.flatMap((j) => [k[2 * j]!, k[2 * j + 1]!]));
}

/**
 * check_anchors: prints "x anchors/target, y Best Possible Recall (BPR)" and replaces the model's anchors when
 * evolved ones recall more. Returns whether the anchors changed.
 */
export function checkAnchors(
  model: DetectionModel,
  data: { labels: Float32Array[]; shapes: Array<[number, number]> },
  thr: number,
  imgsz: number,
  seed: number,
  log: (s: string) => void,
): boolean {
  const d = model.detect;
  const rng = new SeededRandom(seed, 0xa9c4);
  const wh = labelSizes(data.labels, data.shapes, imgsz, rng);
  const grid = d.anchors.toFloat32Array();
  const perLevel = d.na * 2;
  const pixels = Float64Array.from(grid, (v, i) => v * model.stride[Math.floor(i / perLevel)]!);
  const { bpr, aat } = anchorMetrics(wh, pixels, thr);
  const prefix = 'AutoAnchor: ';
  const s = `${prefix}${aat.toFixed(2)} anchors/target, ${bpr.toFixed(3)} Best Possible Recall (BPR). `;
  if (bpr > 0.98) {
    log(`${s}Current anchors are a good fit to dataset ✅`);
    return false;
  }
  log(`${s}Anchors are a poor fit to dataset ⚠️, attempting to improve...`);
  const evolved = kmeanAnchors(labelSizes(data.labels, data.shapes, imgsz), d.na * d.nl, thr, rng);
  const next = anchorMetrics(wh, evolved, thr);
  if (next.bpr > bpr) {
    model.setAnchors(Float32Array.from(evolved, (v, i) => v / model.stride[Math.floor(i / perLevel)]!));
    log(`${prefix}Done ✅ (optional: update model *.yaml to use these anchors in the future)`);
    return true;
  }
  log(`${prefix}Done ⚠️ (original anchors better than new anchors, proceeding with original anchors)`);
  return false;
}
