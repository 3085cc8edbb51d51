// pycocotools' COCOeval (cocodataset/cocoapi PythonAPI): evaluate (per image and category: IoUs, greedy matching by
// score with crowd and ignore rules, area ranges), accumulate (101-point interpolated precision and recall per IoU
// threshold, category, area range and maxDets; -1 where there is no ground truth) and summarize (the 12 stats and
// their printed lines). Same sort orders (stable, by score) and the same float operations, so the stats agree to
// the last bit. The overlap per iouType comes from coco-iou.ts: 'bbox' (boxes) and 'segm' (masks: each
// annotation's segmentation made an RLE first, as pycocotools' _toMask does).
import { type CocoAnnotation, type CocoDataset, type CocoId, CocoIndex, type CocoResult, compareIds } from './coco-dataset.ts';
import { COCO_IOU, type CocoIouType } from './coco-iou.ts';
import { linspace, numpyMean, pyFixed, searchSortedLeft } from './numpy-compat.ts';

/** COCOeval.params for detection (setDetParams). */
export interface CocoParams {
  /** Images evaluated (default: every GT image, sorted). */
  imgIds: CocoId[];
  /** Categories evaluated (default: every GT category, sorted). */
  catIds: number[];
  /** IoU thresholds, np.linspace(0.5, 0.95, 10). */
  iouThrs: number[];
  /** Recall points, np.linspace(0, 1, 101). */
  recThrs: number[];
  /** Detections kept per image: [1, 10, 100]. */
  maxDets: number[];
  /** Area ranges in pixels²: all, small (< 32²), medium (32²–96²), large (> 96²). */
  areaRng: Array<[number, number]>;
  /** Their labels: all, small, medium, large. */
  areaRngLbl: string[];
  /** Match detections to GT of their own category only (default true). */
  useCats: boolean;
  /** The overlap measure. */
  iouType: CocoIouType;
}

/** evaluateImg's result for one image, category and area range. */
interface EvalImg {
  dtScores: number[];
  /** T×D: the matched GT's id (0 = none). */
  dtMatches: Float64Array;
  /** T×D: the detection is ignored (matched an ignored GT, or unmatched outside the area range). */
  dtIgnore: Uint8Array;
  gtIgnore: Uint8Array;
}

/** accumulate()'s arrays, C order: precision T×R×K×A×M, recall T×K×A×M, scores like precision. */
export interface CocoAccumulated {
  /** The 12 summary lines as pycocotools prints them (` Average Precision  (AP) @... = 0.xxx`), one per stat. */
  counts: [number, number, number, number, number];
  /** Interpolated precision, T×R×K×A×M (-1: no GT). */
  precision: Float64Array;
  /** Final recall, T×K×A×M (-1: no GT). */
  recall: Float64Array;
  /** The score at each precision point, T×R×K×A×M. */
  scores: Float64Array;
}

/** The summary's 12 numbers and the lines pycocotools prints for them. */
export interface CocoSummary {
  /** AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (-1 where nothing was there to measure). */
  stats: number[];
  /** ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.xxx`, one per stat. */
  lines: string[];
}

/** Params(iouType).setDetParams(), with image and category ids left empty. */
export function defaultCocoParams(iouType: CocoIouType = 'bbox'): CocoParams {
  return {
    imgIds: [],
    catIds: [],
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRng: [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]],
    areaRngLbl: ['all', 'small', 'medium', 'large'],
    useCats: true,
    iouType,
  };
}

const uniqueSorted = <T extends CocoId>(ids: readonly T[]): T[] => [...new Set(ids)].sort(compareIds);

/** Indices that sort `keys` ascending, stable (NumPy's argsort kind='mergesort'). */
function stableArgsort(keys: ArrayLike<number>): number[] {
  return Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

/** Detections highest score first, stable (argsort of -score, mergesort). */
function byScore(dts: readonly CocoAnnotation[]): CocoAnnotation[] {
  return stableArgsort(dts.map((d) => -d.score!)).map((i) => dts[i]!);
}

/** pycocotools' COCOeval: new CocoEval(gt, dt).run() → the 12 stats, or evaluate/accumulate/summarize in turn. */
export class CocoEval {
  /** Evaluation settings; change before evaluate() as one would E.params in Python. */
  readonly params: CocoParams;
  private gts = new Map<CocoId, Map<number, CocoAnnotation[]>>();
  private dts = new Map<CocoId, Map<number, CocoAnnotation[]>>();
  private ious = new Map<CocoId, Map<number, Float64Array>>();
  private evalImgs: Array<EvalImg | null> = [];
  private evaluated: CocoParams | null = null;
  /** accumulate()'s result. */
  accumulated: CocoAccumulated | null = null;

  /** The ground truth. */
  readonly cocoGt: CocoIndex;
  /** The detections (`cocoGt.loadRes(results)`). */
  readonly cocoDt: CocoIndex;

  /** Ground truth and detections, as COCOeval(cocoGt, cocoDt, iouType). */
  constructor(cocoGt: CocoIndex, cocoDt: CocoIndex, iouType: CocoIouType = 'bbox') {
    this.cocoGt = cocoGt;
    this.cocoDt = cocoDt;
    this.params = defaultCocoParams(iouType);
    this.params.imgIds = [...cocoGt.getImgIds()].sort(compareIds);
    this.params.catIds = [...cocoGt.getCatIds()].sort(compareIds);
  }

  private group(anns: CocoAnnotation[]): Map<CocoId, Map<number, CocoAnnotation[]>> {
    const out = new Map<CocoId, Map<number, CocoAnnotation[]>>();
    for (const a of anns) {
      let byCat = out.get(a.image_id);
      if (!byCat) out.set(a.image_id, (byCat = new Map()));
      const list = byCat.get(a.category_id);
      if (list) list.push(a);
      else byCat.set(a.category_id, [a]);
    }
    return out;
  }

  /** _prepare: the GT and detections of the evaluated images (and categories), grouped by image and category. */
  private prepare(): void {
    const p = this.params;
    const cats = p.useCats ? p.catIds : [];
    let gts = this.cocoGt.loadAnns(this.cocoGt.getAnnIds(p.imgIds, cats));
    let dts = this.cocoDt.loadAnns(this.cocoDt.getAnnIds(p.imgIds, cats));
    if (p.iouType === 'segm') {
      // _toMask: segmentations as RLE masks (on copies: pycocotools rewrites the annotations in place).
      gts = gts.map((a) => ({ ...a, segmentation: this.cocoGt.annToRle(a) }));
      dts = dts.map((a) => ({ ...a, segmentation: this.cocoDt.annToRle(a) }));
    }
    this.gts = this.group(gts);
    this.dts = this.group(dts);
    // Each image and category's detections sorted once by score (stable); the sorts below then keep that order.
    for (const byCat of this.dts.values()) for (const [c, list] of byCat) byCat.set(c, byScore(list));
  }

  private lookup(table: Map<CocoId, Map<number, CocoAnnotation[]>>, imgId: CocoId, catId: number): CocoAnnotation[] {
    const byCat = table.get(imgId);
    if (!byCat) return [];
    if (this.params.useCats) return byCat.get(catId) ?? [];
    return this.params.catIds.flatMap((c) => byCat.get(c) ?? []);
  }

  /** Detections by score: already so per category (prepare); across categories (useCats false) sorted here. */
  private sortedDts(dts: CocoAnnotation[]): CocoAnnotation[] {
    return this.params.useCats ? dts : byScore(dts);
  }

  /** GT is ignored when it is a crowd (pycocotools overwrites any 'ignore' field with iscrowd). */
  private static ignored(g: CocoAnnotation): boolean {
    return Boolean(g.iscrowd);
  }

  /** computeIoU: detections (by score, at most maxDets[-1]) × GT in file order; null when both are empty. */
  private computeIou(imgId: CocoId, catId: number): Float64Array | null {
    const gt = this.lookup(this.gts, imgId, catId);
    let dt = this.lookup(this.dts, imgId, catId);
    if (gt.length === 0 && dt.length === 0) return null;
    dt = this.sortedDts(dt).slice(0, this.params.maxDets[this.params.maxDets.length - 1]);
    if (gt.length === 0 || dt.length === 0) return null; // maskUtils.iou gives [] when either side is empty
    return COCO_IOU[this.params.iouType](dt, gt, gt.map((g) => Boolean(g.iscrowd)));
  }

  /** evaluate(): per image, category and area range, the greedy matching at every IoU threshold. */
  evaluate(): void {
    const p = this.params;
    p.imgIds = uniqueSorted(p.imgIds);
    if (p.useCats) p.catIds = uniqueSorted(p.catIds);
    p.maxDets = [...p.maxDets].sort((a, b) => a - b);
    this.prepare();
    const catIds = p.useCats ? p.catIds : [-1];
    this.ious = new Map();
    for (const imgId of p.imgIds) {
      const row = new Map<number, Float64Array>();
      for (const catId of catIds) {
        const m = this.computeIou(imgId, catId);
        if (m) row.set(catId, m);
      }
      this.ious.set(imgId, row);
    }
    const maxDet = p.maxDets[p.maxDets.length - 1]!;
    this.evalImgs = [];
    for (const catId of catIds) for (const aRng of p.areaRng) for (const imgId of p.imgIds) this.evalImgs.push(this.evaluateImg(imgId, catId, aRng, maxDet));
    this.evaluated = { ...p, imgIds: [...p.imgIds], catIds: [...catIds], maxDets: [...p.maxDets], areaRng: p.areaRng.map((a) => [a[0], a[1]]) };
  }

  private evaluateImg(imgId: CocoId, catId: number, aRng: [number, number], maxDet: number): EvalImg | null {
    const p = this.params;
    const gtAll = this.lookup(this.gts, imgId, catId);
    const dtAll = this.lookup(this.dts, imgId, catId);
    if (gtAll.length === 0 && dtAll.length === 0) return null;
    const ignoreOf = gtAll.map((g) => (CocoEval.ignored(g) || g.area < aRng[0] || g.area > aRng[1] ? 1 : 0));
    const gtind = stableArgsort(ignoreOf); // ignored GT last
    const gt = gtind.map((i) => gtAll[i]!);
    const dt = this.sortedDts(dtAll).slice(0, maxDet);
    const iscrowd = gt.map((g) => Boolean(g.iscrowd));
    const full = this.ious.get(imgId)?.get(catId);
    const G0 = gtAll.length;
    const T = p.iouThrs.length;
    const G = gt.length;
    const D = dt.length;
    const gtm = new Float64Array(T * G);
    const dtm = new Float64Array(T * D);
    const gtIg = Uint8Array.from(gtind.map((i) => ignoreOf[i]!));
    const dtIg = new Uint8Array(T * D);
    if (full) {
      // Rows of `full` are the score-sorted detections (computeIoU kept maxDets[-1] ≥ maxDet of them).
      for (let tind = 0; tind < T; tind++) {
        const t = p.iouThrs[tind]!;
        for (let dind = 0; dind < D; dind++) {
          let best = Math.min(t, 1 - 1e-10);
          let m = -1;
          for (let gind = 0; gind < G; gind++) {
            if (gtm[tind * G + gind]! > 0 && !iscrowd[gind]) continue; // matched, and not a crowd
            if (m > -1 && gtIg[m] === 0 && gtIg[gind] === 1) break; // matched a regular GT; the rest are ignored
            const v = full[dind * G0 + gtind[gind]!]!; // ious[:, gtind]
            if (v < best) continue;
            best = v;
            m = gind;
          }
          if (m === -1) continue;
          dtIg[tind * D + dind] = gtIg[m]!;
          dtm[tind * D + dind] = gt[m]!.id;
          gtm[tind * G + m] = dt[dind]!.id;
        }
      }
    }
    // Unmatched detections outside the area range are ignored.
    for (let dind = 0; dind < D; dind++) {
      const a = dt[dind]!.area;
      if (!(a < aRng[0] || a > aRng[1])) continue;
      for (let t = 0; t < T; t++) if (dtm[t * D + dind] === 0) dtIg[t * D + dind] = 1;
    }
    return { dtScores: dt.map((d) => d.score!), dtMatches: dtm, dtIgnore: dtIg, gtIgnore: gtIg };
  }

  /** accumulate(): precision at the 101 recall points and final recall, per IoU, category, area range, maxDets. */
  accumulate(): CocoAccumulated {
    const pe = this.evaluated;
    if (!pe) throw new Error('CocoEval: run evaluate() before accumulate()');
    const p = this.params;
    const catIds = p.useCats ? p.catIds : [-1];
    const [T, R, K, A, M] = [p.iouThrs.length, p.recThrs.length, catIds.length, p.areaRng.length, p.maxDets.length];
    const precision = new Float64Array(T * R * K * A * M).fill(-1);
    const recall = new Float64Array(T * K * A * M).fill(-1);
    const scores = new Float64Array(T * R * K * A * M).fill(-1);
    const setK = new Set(pe.catIds);
    const setA = new Set(pe.areaRng.map((a) => `${a[0]},${a[1]}`));
    const setM = new Set(pe.maxDets);
    const setI = new Set(pe.imgIds);
    const kList = catIds.flatMap((k, n) => (setK.has(k) ? [n] : []));
    const mList = p.maxDets.filter((m) => setM.has(m));
    const aList = p.areaRng.flatMap((a, n) => (setA.has(`${a[0]},${a[1]}`) ? [n] : []));
    const iList = p.imgIds.flatMap((i, n) => (setI.has(i) ? [n] : []));
    const I0 = pe.imgIds.length;
    const A0 = pe.areaRng.length;
    kList.forEach((k0, k) => {
      const Nk = k0 * A0 * I0;
      aList.forEach((a0, a) => {
        const Na = a0 * I0;
        mList.forEach((maxDet, m) => {
          const E = iList.map((i) => this.evalImgs[Nk + Na + i]).filter((e): e is EvalImg => e != null);
          if (E.length === 0) return;
          // Concatenate every image's first maxDet detections (image order), then sort by score, stable.
          const cols: Array<{ e: EvalImg; d: number }> = [];
          for (const e of E) for (let d = 0; d < Math.min(maxDet, e.dtScores.length); d++) cols.push({ e, d });
          const order = stableArgsort(cols.map((c) => -c.e.dtScores[c.d]!));
          const sorted = order.map((j) => cols[j]!);
          const dtScoresSorted = sorted.map((c) => c.e.dtScores[c.d]!);
          let npig = 0;
          for (const e of E) for (const g of e.gtIgnore) if (g === 0) npig++;
          if (npig === 0) return;
          const nd = sorted.length;
          for (let t = 0; t < T; t++) {
            const rc = new Float64Array(nd);
            const pr = new Array<number>(nd);
            let tp = 0;
            let fp = 0;
            sorted.forEach((c, j) => {
              const D = c.e.dtScores.length;
              const matched = c.e.dtMatches[t * D + c.d] !== 0;
              const ignored = c.e.dtIgnore[t * D + c.d] !== 0;
              if (matched && !ignored) tp++;
              if (!matched && !ignored) fp++;
              rc[j] = tp / npig;
              pr[j] = tp / (fp + tp + Number.EPSILON);
            });
            const ri = ((t * K + k) * A + a) * M + m;
            recall[ri] = nd ? rc[nd - 1]! : 0;
            for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
            for (let r = 0; r < R; r++) {
              const pi = searchSortedLeft(rc, p.recThrs[r]!);
              const at = (((t * R + r) * K + k) * A + a) * M + m;
              if (pi >= nd) {
                // pycocotools leaves q (and ss) at 0 from the first recall point it cannot reach.
                for (let r2 = r; r2 < R; r2++) {
                  const at2 = (((t * R + r2) * K + k) * A + a) * M + m;
                  precision[at2] = 0;
                  scores[at2] = 0;
                }
                break;
              }
              precision[at] = pr[pi]!;
              scores[at] = dtScoresSorted[pi]!;
            }
          }
        });
      });
    });
    this.accumulated = { counts: [T, R, K, A, M], precision, recall, scores };
    return this.accumulated;
  }

  /** One summary number: the mean of the entries > -1 (C order, NumPy's summation), or -1 when there are none. */
  private summarizeOne(ap: boolean, iouThr: number | null, areaRng: string, maxDets: number): { value: number; line: string } {
    const p = this.params;
    const acc = this.accumulated!;
    const [T, R, K, A, M] = acc.counts;
    const aind = p.areaRngLbl.flatMap((l, i) => (l === areaRng ? [i] : []));
    const mind = p.maxDets.flatMap((d, i) => (d === maxDets ? [i] : []));
    const tind = iouThr === null ? p.iouThrs.map((_, i) => i) : p.iouThrs.flatMap((t, i) => (t === iouThr ? [i] : []));
    const kept: number[] = [];
    // s[:, :, :, aind, mind]: aind and mind pair up elementwise (NumPy's advanced indexing), both of length 1 here.
    const pairs = aind.length === mind.length || mind.length === 1 || aind.length === 1 ? Math.max(aind.length, mind.length) : 0;
    const pick = (j: number): [number, number] => [aind[aind.length === 1 ? 0 : j]!, mind[mind.length === 1 ? 0 : j]!];
    if (aind.length && mind.length) {
      for (const t of tind) {
        if (ap) {
          for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) for (let j = 0; j < pairs; j++) {
            const [a, m] = pick(j);
            const v = acc.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
            if (v > -1) kept.push(v);
          }
        } else {
          for (let k = 0; k < K; k++) for (let j = 0; j < pairs; j++) {
            const [a, m] = pick(j);
            const v = acc.recall[((t * K + k) * A + a) * M + m]!;
            if (v > -1) kept.push(v);
          }
        }
      }
    }
    const value = kept.length === 0 ? -1 : numpyMean(kept);
    const title = ap ? 'Average Precision' : 'Average Recall';
    const type = ap ? '(AP)' : '(AR)';
    const iouStr = iouThr === null ? `${pyFixed(p.iouThrs[0]!, 2)}:${pyFixed(p.iouThrs[p.iouThrs.length - 1]!, 2)}` : pyFixed(iouThr, 2);
    const line = ` ${title.padEnd(18)} ${type} @[ IoU=${iouStr.padEnd(9)} | area=${areaRng.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${pyFixed(value, 3)}`;
    return { value, line };
  }

  /** summarize(): the 12 detection stats and the lines pycocotools prints (default parameters only). */
  summarize(): CocoSummary {
    if (!this.accumulated) throw new Error('CocoEval: run accumulate() before summarize()');
    const md = this.params.maxDets;
    const rows: Array<[boolean, number | null, string, number]> = [
      [true, null, 'all', 100],
      [true, 0.5, 'all', md[2]!],
      [true, 0.75, 'all', md[2]!],
      [true, null, 'small', md[2]!],
      [true, null, 'medium', md[2]!],
      [true, null, 'large', md[2]!],
      [false, null, 'all', md[0]!],
      [false, null, 'all', md[1]!],
      [false, null, 'all', md[2]!],
      [false, null, 'small', md[2]!],
      [false, null, 'medium', md[2]!],
      [false, null, 'large', md[2]!],
    ];
    const out = rows.map(([ap, iouThr, area, maxDets]) => this.summarizeOne(ap, iouThr, area, maxDets));
    return { stats: out.map((o) => o.value), lines: out.map((o) => o.line) };
  }

  /** evaluate, accumulate, summarize. */
  run(): CocoSummary {
    this.evaluate();
    this.accumulate();
    return this.summarize();
  }
}

/** What evaluateCoco needs besides the two sets. */
export interface EvaluateCocoOptions {
  /** 'bbox' (default, as YOLOv5's val.py) or 'segm' (masks; pycocotools' own default). */
  iouType?: CocoIouType;
  /** Evaluate these images only (YOLOv5 v7.0 passes the split's images for COCO); default: every GT image. */
  imgIds?: CocoId[];
  /** Names the detections in errors (a file path). */
  source?: string;
}

/** pycocotools' `COCOeval(gt, gt.loadRes(dts), iouType)` (default 'bbox') then evaluate, accumulate, summarize. */
export function evaluateCoco(gt: CocoDataset, dts: readonly CocoResult[], o: EvaluateCocoOptions = {}): CocoSummary {
  const cocoGt = new CocoIndex(gt);
  const e = new CocoEval(cocoGt, cocoGt.loadRes(dts, o.source), o.iouType ?? 'bbox');
  if (o.imgIds) e.params.imgIds = [...o.imgIds];
  return e.run();
}
