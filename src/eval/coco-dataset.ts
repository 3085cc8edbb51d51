// pycocotools' COCO class, the parts COCOeval uses: a dataset's index (images, categories, annotations per image),
// getImgIds / getCatIds / getAnnIds / loadAnns with its semantics, loadRes for a list of bbox or segmentation
// results, and annToRLE. Reading and checking the JSON files lives in coco-json.ts; this file holds no I/O.
import { type CocoRle, type CocoSegmentation, type Rle, rleArea, rleFromObject, rleToBbox, segmentationToRle } from './coco-mask.ts';

/** A COCO image id: a number, or (YOLOv5's --save-json for non-numeric file stems) a string. */
export type CocoId = number | string;

/** One `images` entry. */
export interface CocoImage {
  /** The image id annotations refer to. */
  id: CocoId;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** The image file, relative to the dataset. */
  file_name?: string;
  /** Other fields are kept as they are. */
  [key: string]: unknown;
}

/** One `categories` entry. */
export interface CocoCategory {
  /** The id annotations' category_id refers to. */
  id: number;
  /** Class name (val --save-json matches the data YAML's names to it). */
  name?: string;
  /** COCO's parent class. */
  supercategory?: string;
  /** Other fields are kept as they are. */
  [key: string]: unknown;
}

/** One annotation (ground truth) or detection (results): bbox is [x, y, w, h] in pixels. */
export interface CocoAnnotation {
  /** Annotation id (detections: 1, 2, … from loadRes). */
  id: number;
  /** The image it lies on. */
  image_id: CocoId;
  /** Its category. */
  category_id: number;
  /** [x, y, width, height] in pixels. */
  bbox: number[];
  /** Area in pixels² that picks its area range (detections: bbox w·h). */
  area: number;
  /** 1 for a crowd region (ignored GT whose union is the detection's area). */
  iscrowd: number;
  /** Detections only. */
  score?: number;
  /** Polygons or RLE (read by the 'segm' evaluation; bbox evaluation ignores it). */
  segmentation?: unknown;
  /** Other fields are kept as they are. */
  [key: string]: unknown;
}

/** A COCO-format dataset file (instances_*.json). */
export interface CocoDataset {
  /** Free-form description. */
  info?: Record<string, unknown>;
  /** COCO's licences (not read). */
  licenses?: unknown[];
  /** The images. */
  images: CocoImage[];
  /** The ground-truth boxes. */
  annotations: CocoAnnotation[];
  /** The categories. */
  categories: CocoCategory[];
}

/** One detection as YOLOv5's --save-json writes it (and as loadRes reads it). */
export interface CocoResult {
  /** The image it lies on (must be one of the GT's images). */
  image_id: CocoId;
  /** Its category. */
  category_id: number;
  /** [x, y, width, height] in pixels; may be absent (or []) when the results are masks. */
  bbox?: number[];
  /** Confidence. */
  score: number;
  /** A mask: compressed RLE (segment val --save-json), or polygons / uncompressed RLE beside a bbox. */
  segmentation?: CocoSegmentation;
}

/** Sorts ids as Python's sorted() does for one kind (numbers numerically, strings by code point); numbers first. */
export function compareIds(a: CocoId, b: CocoId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** pycocotools' COCO: an indexed dataset (createIndex), queried as COCOeval does. */
export class CocoIndex {
  /** annotation id → annotation; a repeated id keeps the last one, as pycocotools' dict does. */
  readonly anns = new Map<number, CocoAnnotation>();
  /** image id → image. */
  readonly imgs = new Map<CocoId, CocoImage>();
  /** category id → category. */
  readonly cats = new Map<number, CocoCategory>();
  /** image id → its annotations, in file order. */
  readonly imgToAnns = new Map<CocoId, CocoAnnotation[]>();

  /** The dataset indexed. */
  readonly dataset: CocoDataset;

  /** Indexes `dataset` (pycocotools' createIndex). */
  constructor(dataset: CocoDataset) {
    this.dataset = dataset;
    for (const ann of dataset.annotations) {
      const list = this.imgToAnns.get(ann.image_id);
      if (list) list.push(ann);
      else this.imgToAnns.set(ann.image_id, [ann]);
      this.anns.set(ann.id, ann);
    }
    for (const img of dataset.images) this.imgs.set(img.id, img);
    for (const cat of dataset.categories) this.cats.set(cat.id, cat);
  }

  /** Every image id, in file order (duplicates once). */
  getImgIds(): CocoId[] {
    return [...this.imgs.keys()];
  }

  /** Every category id, in file order. */
  getCatIds(): number[] {
    return [...this.cats.keys()];
  }

  /**
   * getAnnIds(imgIds, catIds): the annotations of those images (all annotations when imgIds is empty), in image
   * order then file order, kept when their category is in catIds (any when empty).
   */
  getAnnIds(imgIds: readonly CocoId[] = [], catIds: readonly number[] = []): number[] {
    let anns: CocoAnnotation[];
    if (imgIds.length) anns = imgIds.flatMap((id) => this.imgToAnns.get(id) ?? []);
    else anns = this.dataset.annotations;
    if (catIds.length) {
      const keep = new Set(catIds);
      anns = anns.filter((a) => keep.has(a.category_id));
    }
    return anns.map((a) => a.id);
  }

  /** loadAnns(ids): the annotation each id names (by the id table, so a repeated id gives its last annotation). */
  loadAnns(ids: readonly number[]): CocoAnnotation[] {
    return ids.map((id) => this.anns.get(id)!);
  }

  /**
   * loadRes, with pycocotools' two branches chosen by the first result. When it has a non-empty bbox (YOLOv5's
   * files, segment val's too): every result needs a bbox, gets area = w*h — the box's area even for a mask result,
   * so 'segm' area ranges use it — and, without a segmentation, its box as a polygon. Otherwise (masks alone): each
   * result's compressed RLE gives area = rleArea and, when it has no bbox, bbox = toBbox. Every result gets id = its
   * 1-based position and iscrowd 0; the images and categories are this dataset's. A detection on an image id this
   * dataset lacks is an Error (pycocotools asserts "Results do not correspond to current coco set"); `source` names
   * the results in messages.
   */
  loadRes(results: readonly CocoResult[], source = 'the detections'): CocoIndex {
    if (results.length === 0) throw new Error(`${source}: no detections to evaluate (an empty list)`);
    const unknown = results.find((r) => !this.imgs.has(r.image_id));
    if (unknown) {
      throw new Error(`${source}: detection on image_id ${JSON.stringify(unknown.image_id)}, which the ground truth's images do not have (results do not correspond to this COCO set)`);
    }
    const first = results[0]!;
    const boxes = Array.isArray(first.bbox) && first.bbox.length > 0;
    if (!boxes && first.segmentation === undefined) throw new Error(`${source}: detection 0 has neither a bbox nor a segmentation`);
    const annotations = results.map((r, i): CocoAnnotation => {
      if (boxes) {
        const bb = r.bbox;
        if (!Array.isArray(bb) || bb.length !== 4) throw new Error(`${source}: detection ${i} has no bbox [x, y, width, height] (detection 0 has one, so all must)`);
        const [x1, y1] = [bb[0]!, bb[1]!];
        const [x2, y2] = [x1 + bb[2]!, y1 + bb[3]!];
        const segmentation = r.segmentation ?? [[x1, y1, x1, y2, x2, y2, x2, y1]];
        return { ...r, bbox: bb, segmentation, area: bb[2]! * bb[3]!, id: i + 1, iscrowd: 0 };
      }
      const segm = r.segmentation as { counts?: unknown } | undefined;
      if (!segm || typeof segm !== 'object' || Array.isArray(segm) || typeof segm.counts !== 'string') {
        throw new Error(`${source}: detection ${i}: a mask result's segmentation must be a compressed RLE {size, counts: string} (pycocotools reads no other)`);
      }
      const rle = rleFromObject(segm as CocoRle, `${source}: detection ${i}`);
      const bbox = r.bbox ?? rleToBbox(rle);
      return { ...r, bbox, area: rleArea(rle), id: i + 1, iscrowd: 0 };
    });
    return new CocoIndex({ images: [...this.dataset.images], categories: this.dataset.categories.map((c) => ({ ...c })), annotations });
  }

  /**
   * annToRLE: the annotation's segmentation as one mask on its image (polygons merged, uncompressed RLE converted,
   * compressed RLE as it is). Polygons need the image's height and width.
   */
  annToRle(ann: CocoAnnotation): Rle {
    const at = `annotation ${ann.id} (image ${JSON.stringify(ann.image_id)})`;
    if (ann.segmentation === undefined) throw new Error(`${at} has no segmentation ('segm' evaluation needs masks)`);
    const img = this.imgs.get(ann.image_id);
    const [h, w] = [img?.height, img?.width];
    const needsSize = Array.isArray(ann.segmentation);
    if (needsSize && !(Number.isInteger(h) && Number.isInteger(w) && h! >= 0 && w! >= 0)) throw new Error(`${at}: its image has no integer height and width, which polygons need`);
    return segmentationToRle(ann.segmentation, needsSize ? h! : 0, needsSize ? w! : 0, at);
  }
}
