// A YOLO dataset split as a COCO ground-truth dataset: the GT that `val --save-json` evaluates its detections against
// when the data YAML names no COCO annotation file, and what `tsyolo convert yolo2coco` writes.
import { basename, extname, relative } from 'node:path';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex } from '../data/dataset-index.ts';
import { readSegmentLabels } from '../data/segments.ts';
import type { CocoAnnotation, CocoDataset, CocoId, CocoImage } from '../eval/coco-dataset.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

/** yoloToCoco's settings. */
export interface YoloToCocoOptions {
  /** The split converted (default val). */
  task?: 'val' | 'test' | 'train';
  /** Every class as one, category 0 'item' (val --single-cls). */
  singleCls?: boolean;
  /** Category id of each class index (default: the index itself, as v7.0's --save-json writes category_id). */
  categoryIds?: readonly number[];
  /** Receives the dataset scan's lines (default: none). */
  log?: (line: string) => void;
  /**
   * Polygon labels (YOLO segment format): each annotation gets `segmentation` [[x1, y1, …]] in pixels (rounded to
   * 1e-3) and area = the polygon's area (shoelace, as COCO's instances files hold), for 'segm' evaluation.
   */
  segments?: boolean;
}

/** A polygon's area in pixels² (shoelace over the closed outline). */
function polygonArea(p: readonly number[]): number {
  let s = 0;
  const n = p.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += p[2 * i]! * p[2 * j + 1]! - p[2 * j]! * p[2 * i + 1]!;
  }
  return Math.abs(s) / 2;
}

/** The COCO image id of an image file: YOLOv5's save_one_json rule, a numeric stem as a number, else the stem. */
export function cocoImageId(imagePath: string): CocoId {
  const stem = basename(imagePath, extname(imagePath));
  return /^\d+$/.test(stem) ? Number(stem) : stem;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * The split's images and YOLO labels as a COCO GT dataset: images {id, file_name (relative to the dataset root),
 * width, height} with ids as val --save-json writes them (cocoImageId), categories {id, name} from the YAML's names,
 * one annotation per label row: bbox [x, y, w, h] in pixels (clipped to the image, rounded to 1e-3), area = w·h,
 * iscrowd 0, ids 1, 2, … (with `segments`: the label file's polygon rows, each with its segmentation and polygon
 * area). Corrupt image/label pairs are left out as the loader leaves them out. Two images with the same id (same
 * file stem in two folders) are an Error.
 * @param data a dataset YAML path or its loaded config
 */
export async function yoloToCoco(data: string | DatasetConfig, o: YoloToCocoOptions = {}): Promise<CocoDataset> {
  const cfg = typeof data === 'string' ? loadDatasetConfig(data) : data;
  const task = o.task ?? 'val';
  const sources = task === 'test' ? cfg.test : task === 'train' ? cfg.train : cfg.val;
  if (!sources || sources.length === 0) throw new Error(`${cfg.yamlPath}: no '${task}' split`);
  const index = await buildDatasetIndex(sources, { nc: o.singleCls ? undefined : cfg.nc, prefix: `${task}: `, log: o.log ?? (() => {}) });
  const names = o.singleCls ? ['item'] : cfg.names;
  const catId = (k: number): number => o.categoryIds?.[k] ?? k;
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const seen = new Map<CocoId, string>();
  index.imFiles.forEach((file, i) => {
    const id = cocoImageId(file);
    const other = seen.get(id);
    if (other !== undefined) throw new Error(`${file} and ${other} both get COCO image id ${JSON.stringify(id)} (the file stem): rename one`);
    seen.set(id, file);
    const [width, height] = index.shapes[i]!;
    images.push({ id, file_name: relative(cfg.path, file), width, height });
    const seg = o.segments ? readSegmentLabels(index.labelFiles[i]!) : null;
    const rows = seg ? seg.labels : index.labels[i]!;
    for (let r = 0; r + 5 <= rows.length; r += 5) {
      const cls = o.singleCls ? 0 : rows[r]!;
      const [cx, cy, w, h] = [rows[r + 1]!, rows[r + 2]!, rows[r + 3]!, rows[r + 4]!];
      const x1 = round3(Math.min(Math.max((cx - w / 2) * width, 0), width));
      const y1 = round3(Math.min(Math.max((cy - h / 2) * height, 0), height));
      const x2 = round3(Math.min(Math.max((cx + w / 2) * width, 0), width));
      const y2 = round3(Math.min(Math.max((cy + h / 2) * height, 0), height));
      const bw = round3(x2 - x1);
      const bh = round3(y2 - y1);
      if (seg) {
        const poly = Array.from(seg.segments[r / 5]!, (v, k) => round3(v * (k % 2 ? height : width)));
        annotations.push({ id: annotations.length + 1, image_id: id, category_id: catId(cls), bbox: [x1, y1, bw, bh], area: polygonArea(poly), iscrowd: 0, segmentation: [poly] });
      } else annotations.push({ id: annotations.length + 1, image_id: id, category_id: catId(cls), bbox: [x1, y1, bw, bh], area: bw * bh, iscrowd: 0 });
    }
  });
  const categories = names.map((name, k) => ({ id: catId(k), name }));
  return { info: { description: `YOLO labels of ${basename(cfg.yamlPath)}'s ${task} split as COCO (tsyolo)` }, images, annotations, categories };
}

/** Writes a COCO dataset as JSON, atomically (a reader never sees half a file). */
export function writeCocoDataset(file: string, dataset: CocoDataset): void {
  writeFileAtomic(file, JSON.stringify(dataset), { fsync: true });
}
