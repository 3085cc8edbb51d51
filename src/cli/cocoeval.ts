// `tsyolo cocoeval GT.json DT.json`: pycocotools' evaluation (COCOeval, --iou-type bbox or segm) of a detections
// file against a COCO annotation file, printing its 12-line summary, or {"stats": [...]} with --json.
import type { Command } from 'commander';
import type { CocoIouType } from '../eval/coco-iou.ts';
import { type OptionTable, flag, oneOf } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

interface CocoevalFlags {
  iouType: CocoIouType;
  json: boolean;
}

const COCOEVAL_FLAGS: OptionTable<CocoevalFlags> = {
  iouType: { flags: '--iou-type <type>', help: "bbox (boxes, YOLOv5 val's) or segm (masks: the detections' RLE segmentations against the GT's polygons/RLE)", default: 'bbox', read: oneOf(['bbox', 'segm'] as const) },
  json: { flags: '--json', help: 'print {"stats": [12 numbers]} only', default: false, read: flag },
};

/** Evaluates `dtFile` against `gtFile` and prints the summary (or the stats as JSON). */
export async function runCocoeval(gtFile: string, dtFile: string, o: CocoevalFlags, print: (s: string) => void): Promise<void> {
  const [{ readCocoDataset, readCocoResults }, { evaluateCoco }] = await Promise.all([import('../eval/coco-json.ts'), import('../eval/coco-eval.ts')]);
  const gt = readCocoDataset(gtFile);
  const dts = readCocoResults(dtFile);
  const summary = evaluateCoco(gt, dts, { source: dtFile, iouType: o.iouType });
  if (o.json) print(JSON.stringify({ stats: summary.stats }));
  else for (const line of summary.lines) print(line);
}

/** Registers `cocoeval` on the program. */
export function cocoevalCommand(command: Command, print: (s: string) => void): void {
  command
    .description("COCO mAP of a detections JSON against a COCO annotations JSON (pycocotools' COCOeval, bbox or segm)")
    .argument('<gt>', 'COCO annotations (instances_*.json, or tsyolo convert yolo2coco output)')
    .argument('<dt>', 'detections: a list of {image_id, category_id, bbox, score[, segmentation]} (val / segment val --save-json)');
  addOptions(command, COCOEVAL_FLAGS).action((gt: string, dt: string, values: Record<string, unknown>) => runCocoeval(gt, dt, resolveFlags(COCOEVAL_FLAGS, values), print));
}
