// `tsyolo export`: weights → ONNX beside them (yolov5s.pt → yolov5s.onnx), as export.py --include onnx does.
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { type OptionTable, flag, fraction, integer, positiveInteger, text } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';
import { EXPORT_NMS_METHOD_OPTION, exportNmsMethodWarning } from '../run/nms-options.ts';
import type { NmsMethod } from '../eval/nms-variants.ts';

export interface ExportCliOptions {
  weights: string;
  include: string[];
  /** h w, or one number for a square input. */
  imgsz: number[];
  batch: number;
  opset: number;
  dynamic: boolean;
  half: boolean;
  nms: boolean;
  agnosticNms: boolean;
  topkAll: number;
  iouThres: number;
  confThres: number;
  /** Only checked and warned about: --nms bakes plain NMS. */
  nmsMethod: NmsMethod | undefined;
}

function list<T>(read: (raw: unknown, name: string) => T): (raw: unknown, name: string) => T[] {
  return (raw, name) => (Array.isArray(raw) ? raw : [raw]).map((v) => read(v, name));
}

const EXPORT_FLAGS: OptionTable<ExportCliOptions> = {
  weights: { flags: '--weights <file>', help: 'a .pt or .safetensors checkpoint', default: '', required: true, read: text },
  include: { flags: '--include <formats...>', help: 'formats to export (onnx)', default: ['onnx'], read: list(text) },
  imgsz: { flags: '--img, --imgsz <size...>', help: 'image size: h w, or one number for square', default: [640], read: list(positiveInteger) },
  batch: { flags: '--batch, --batch-size <n>', help: 'batch size of the exported input', default: 1, read: positiveInteger },
  opset: { flags: '--opset <n>', help: 'ONNX opset version (12 to 17)', default: 17, read: integer },
  dynamic: { flags: '--dynamic', help: 'dynamic batch, height and width', default: false, read: flag },
  half: { flags: '--half', help: 'store weights as float16 (input, output and compute stay float32)', default: false, read: flag },
  // export.py's NMS flags and defaults (there for TF/TF.js; here they put NMS into the ONNX graph).
  nms: { flags: '--nms', help: "NMS inside the graph: output 'detections' (n, 7) image, x1, y1, x2, y2, conf, cls", default: false, read: flag },
  agnosticNms: { flags: '--agnostic-nms', help: 'class-agnostic NMS inside the graph (with --nms)', default: false, read: flag },
  topkAll: { flags: '--topk-all, --max-det <n>', help: 'NMS: most detections kept per image (with --nms)', default: 100, read: positiveInteger },
  iouThres: { flags: '--iou-thres <t>', help: 'NMS: IoU threshold (with --nms)', default: 0.45, read: fraction },
  confThres: { flags: '--conf-thres <c>', help: 'NMS: confidence threshold (with --nms)', default: 0.25, read: fraction },
  nmsMethod: EXPORT_NMS_METHOD_OPTION,
};

export function exportCommand(command: Command, print: (s: string) => void): void {
  command.description('export weights to ONNX beside them (export.py --include onnx): fused, decoded output0, stride/names metadata');
  addOptions(command, EXPORT_FLAGS).action(async (values: Record<string, unknown>) => {
    await runExport(resolveFlags(EXPORT_FLAGS, values), print);
  });
}

/** export.py's file naming: the weights path with its suffix replaced. */
export function onnxPathFor(weights: string): string {
  const ext = extname(weights);
  return (ext ? weights.slice(0, -ext.length) : weights) + '.onnx';
}

export async function runExport(o: ExportCliOptions, print: (s: string) => void): Promise<string[]> {
  const include = o.include.map((s) => s.toLowerCase());
  const unknown = include.filter((f) => f !== 'onnx');
  if (unknown.length) throw new Error(`--include ${unknown.join(', ')}: only 'onnx' is supported`);
  const t0 = performance.now();
  const classifier = await import('../yolo/classification-checkpoint.ts');
  if (classifier.isClassifierSource(o.weights)) return exportClassifier(o, print, t0);
  const [{ loadModel }, { exportOnnx }, { ProgressBar }, { Segment }] = await Promise.all([import('../yolo/load-model.ts'), import('../export/export-onnx.ts'), import('../run/progress-bar.ts'), import('../yolo/modules/heads/segment.ts')]);
  const { model } = loadModel(o.weights);
  model.fuse().eval();
  if (o.imgsz.length > 2) throw new Error(`--img takes one size or h w, got ${o.imgsz.join(' ')}`);
  const imgsz: number | [number, number] = o.imgsz.length === 1 ? o.imgsz[0]! : [o.imgsz[0]!, o.imgsz[1]!];
  print(`Fusing layers... \n${model.summaryName}: ${model.numParameters()} parameters, strides ${model.stride.join(', ')}`);
  print(`ONNX: starting export with tsyolo's writer (opset ${o.opset})...`);
  if (o.agnosticNms && !o.nms) throw new Error('--agnostic-nms puts class-agnostic NMS into the graph: add --nms');
  const methodWarning = exportNmsMethodWarning(o.nmsMethod, o.nms);
  if (methodWarning) print(methodWarning);
  const nms = o.nms ? { confThres: o.confThres, iouThres: o.iouThres, maxDet: o.topkAll, agnostic: o.agnosticNms } : undefined;
  const bar = new ProgressBar(model.model.layers.length, { desc: 'ONNX' });
  const r = (() => {
    try {
      return exportOnnx(model, { imgsz, batch: o.batch, opset: o.opset, dynamic: o.dynamic, half: o.half, nms, log: bar.wrap(print), onProgress: (done) => bar.update(done) });
    } finally {
      bar.end(false);
    }
  })();
  const file = onnxPathFor(o.weights);
  writeFileAtomic(file, r.bytes, { fsync: true });
  const mb = (statSync(file).size / 1e6).toFixed(1);
  print(`ONNX: export success ✅ ${((performance.now() - t0) / 1000).toFixed(1)}s, saved as ${file} (${mb} MB)`);
  const output = nms ? `detections (${r.outputShape.join(', ')}): image, x1, y1, x2, y2, conf, cls after NMS (conf ${nms.confThres}, iou ${nms.iouThres}, max ${nms.maxDet}${nms.agnostic ? ', agnostic' : ''})` : `output0 (${r.outputShape.join(', ')})`;
  print(`input images (${r.inputShape.join(', ')}) float32, output ${output}, ${r.nodes} nodes`);
  // export.py names the task's own scripts (segment/predict.py, segment/val.py) for a segmentation model.
  const task = model.detect instanceof Segment ? 'segment ' : '';
  print(`\nExport complete. Results saved to ${file}\nDetect:          tsyolo ${task ? `${task}predict` : 'detect'} --weights ${file} --source <images>\nValidate:        tsyolo ${task}val --weights ${file} --data <data.yaml>`);
  model.dispose();
  return [file];
}

/** A classifier checkpoint's export: output0 (N, nc) logits; --nms does not apply. */
async function exportClassifier(o: ExportCliOptions, print: (s: string) => void, t0: number): Promise<string[]> {
  if (o.nms) throw new Error(`${o.weights}: a classification model; --nms is for detection models`);
  if (o.imgsz.length > 2) throw new Error(`--img takes one size or h w, got ${o.imgsz.join(' ')}`);
  const [{ loadClassifier }, { exportClassifierOnnx }] = await Promise.all([import('../yolo/classification-checkpoint.ts'), import('../export/export-classifier-onnx.ts')]);
  const { model } = loadClassifier(o.weights);
  model.fuse().eval();
  const imgsz: number | [number, number] = o.imgsz.length === 1 ? o.imgsz[0]! : [o.imgsz[0]!, o.imgsz[1]!];
  print(`Fusing layers... \n${model.summaryName}: ${model.numParameters()} parameters, ${model.nc} classes`);
  const r = exportClassifierOnnx(model, { imgsz, batch: o.batch, opset: o.opset, dynamic: o.dynamic, half: o.half, log: print });
  const file = onnxPathFor(o.weights);
  writeFileAtomic(file, r.bytes, { fsync: true });
  const mb = (statSync(file).size / 1e6).toFixed(1);
  print(`ONNX: export success ✅ ${((performance.now() - t0) / 1000).toFixed(1)}s, saved as ${file} (${mb} MB)`);
  print(`input images (${r.inputShape.join(', ')}) float32, output output0 (${r.outputShape.join(', ')}) logits, ${r.nodes} nodes`);
  model.dispose();
  return [file];
}
