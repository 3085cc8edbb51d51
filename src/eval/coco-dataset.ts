// pycocotools' COCO class, the parts COCOeval uses: a dataset's index (images, categories, annotations per image),
// getImgIds / getCatIds / getAnnIds / loadAnns with its semantics, and loadRes for a list of bbox detections.
// Reading and checking the JSON files lives in coco-json.ts; this file holds no I/O.

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
  /** Polygons or RLE (read by a future 'segm' evaluation; bbox evaluation ignores it). */
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
  /** [x, y, width, height] in pixels. */
  bbox: number[];
  /** Confidence. */
  score: number;
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
   * loadRes for bbox results: each detection gets area = w*h, id = its 1-based position, iscrowd 0; the images and
   * categories are this dataset's. A detection on an image id this dataset lacks is an Error (pycocotools asserts
   * "Results do not correspond to current coco set"); `source` names the results in that message.
   */
  loadRes(results: readonly CocoResult[], source = 'the detections'): CocoIndex {
    if (results.length === 0) throw new Error(`${source}: no detections to evaluate (an empty list)`);
    const unknown = results.find((r) => !this.imgs.has(r.image_id));
    if (unknown) {
      throw new Error(`${source}: detection on image_id ${JSON.stringify(unknown.image_id)}, which the ground truth's images do not have (results do not correspond to this COCO set)`);
    }
    const annotations = results.map((r, i): CocoAnnotation => {
      const bb = r.bbox;
      return { ...r, area: bb[2]! * bb[3]!, id: i + 1, iscrowd: 0 };
    });
    return new CocoIndex({ images: [...this.dataset.images], categories: this.dataset.categories.map((c) => ({ ...c })), annotations });
  }
}
