// `tsyolo export`: weights → ONNX beside them (yolov5s.pt → yolov5s.onnx), as export.py --include onnx does.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { exportOnnx } from '../export/export-onnx.ts';
import { loadModel } from '../yolo/load-model.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

export interface ExportCliOptions {
  weights: string;
  include?: string[];
  imgsz?: number[];
  batch?: number;
  opset?: number;
  dynamic?: boolean;
  half?: boolean;
}

/** export.py's file naming: the weights path with its suffix replaced. */
export function onnxPathFor(weights: string): string {
  const ext = extname(weights);
  return (ext ? weights.slice(0, -ext.length) : weights) + '.onnx';
}

export async function runExport(o: ExportCliOptions, print: (s: string) => void): Promise<string[]> {
  const include = (o.include ?? ['onnx']).map((s) => s.toLowerCase());
  const unknown = include.filter((f) => f !== 'onnx');
  if (unknown.length) throw new Error(`--include ${unknown.join(', ')}: only 'onnx' is supported`);
  const t0 = performance.now();
  const { model } = loadModel(o.weights);
  model.fuse().eval();
  const imgsz = o.imgsz?.length ? (o.imgsz.length === 1 ? o.imgsz[0]! : ([o.imgsz[0]!, o.imgsz[1]!] as [number, number])) : 640;
  print(`Fusing layers... \n${model.summaryName}: ${model.numParameters()} parameters, strides ${model.stride.join(', ')}`);
  print(`ONNX: starting export with tsyolo's writer (opset ${o.opset ?? 17})...`);
  const r = exportOnnx(model, { imgsz, batch: o.batch, opset: o.opset, dynamic: o.dynamic, half: o.half, log: print });
  const file = onnxPathFor(o.weights);
  writeFileAtomic(file, r.bytes, { fsync: true });
  const mb = (statSync(file).size / 1e6).toFixed(1);
  print(`ONNX: export success ✅ ${((performance.now() - t0) / 1000).toFixed(1)}s, saved as ${file} (${mb} MB)`);
  print(`input images (${r.inputShape.join(', ')}) float32, output output0 (${r.outputShape.join(', ')}), ${r.nodes} nodes`);
  print(`\nExport complete. Results saved to ${file}\nDetect:          tsyolo detect --weights ${file} --source <images>\nValidate:        tsyolo val --weights ${file} --data <data.yaml>`);
  model.dispose();
  return [file];
}
