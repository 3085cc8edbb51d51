// exportClassifierOnnx(): a ClassificationModel → ONNX bytes, the same layer walk as exportOnnx with the Classify
// head's emitter at the end: input 'images' (N, 3, H, W) float32, output 'output0' (N, nc) logits (no softmax, as
// v7.0's export of a classifier), metadata 'stride' and 'names' as export.py writes them.
import { pyRepr } from '../compat/python.ts';
import type { Module } from '../nn/module.ts';
import type { ClassificationModel } from '../yolo/classification-model.ts';
import { type EmitContext, onnxEmitterFor } from './emitter-registry.ts';
import { MAX_OPSET, MIN_OPSET, type OnnxExportOptions, type OnnxExportResult } from './export-onnx.ts';
import { type Dim, GraphBuilder } from './onnx-graph.ts';
import { ModelProto, OnnxDataType } from './onnx-schema.ts';

/** Exports a classifier (call `fuse().eval()` first, as export.py does); --nms does not apply. */
export function exportClassifierOnnx(model: ClassificationModel, o: Omit<OnnxExportOptions, 'nms'> = {}): OnnxExportResult {
  const opset = o.opset ?? MAX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Error(`ONNX export: --opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  }
  const batch = o.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`ONNX export: --batch must be a positive integer, got ${batch}`);
  const gs = Math.max(32, ...model.stride);
  const req = typeof o.imgsz === 'number' || o.imgsz === undefined ? [o.imgsz ?? 640, o.imgsz ?? 640] : [o.imgsz[0], o.imgsz[1]];
  for (const v of req) if (!Number.isInteger(v) || v < 1) throw new Error(`ONNX export: --img must be a positive integer, got ${v}`);
  const imgsz = req.map((v) => Math.ceil(v / gs) * gs) as [number, number];
  if (imgsz[0] !== req[0] || imgsz[1] !== req[1]) o.log?.(`WARNING ⚠️ --img size ${req.join('x')} must be multiple of max stride ${gs}, updating to ${imgsz.join('x')}`);
  const dynamic = o.dynamic ?? false;
  const graph = new GraphBuilder({ halfWeights: o.half ?? false });
  const ctx: EmitContext = {
    graph,
    opset,
    dynamic,
    imageSize: imgsz,
    emit(module: Module, input: string | string[], scope: string): string {
      return onnxEmitterFor(module, scope)(module, input, ctx, scope);
    },
  };
  const outputs: string[] = [];
  let cur: string | string[] = 'images';
  const layers = model.model.layers;
  for (let i = 0; i < layers.length; i++) {
    const f = model.layerInfo[i]!.f;
    const saved = (j: number) => outputs[j < 0 ? outputs.length + j : j]!;
    if (f !== -1) cur = typeof f === 'number' ? saved(f) : f.map((j) => (j === -1 ? (cur as string) : saved(j)));
    cur = ctx.emit(layers[i]!, cur, `model.${i}`);
    outputs.push(cur);
    o.onProgress?.(i + 1, layers.length);
  }
  graph.renameLastOutput(cur as string, 'output0');
  const inputShape: Dim[] = dynamic ? ['batch', model.inputChannels, 'height', 'width'] : [batch, model.inputChannels, imgsz[0], imgsz[1]];
  const outputShape: Dim[] = [dynamic ? 'batch' : batch, model.nc];
  const message = ModelProto.fromObject({
    irVersion: opset >= 15 ? 8 : 7,
    producerName: 'tsyolo',
    opsetImport: [{ domain: '', version: opset }],
    graph: graph.graph('main_graph', [{ name: 'images', elemType: OnnxDataType.FLOAT, shape: inputShape }], [{ name: 'output0', elemType: OnnxDataType.FLOAT, shape: outputShape }]),
    metadataProps: [
      { key: 'stride', value: String(gs) },
      { key: 'names', value: pyRepr(new Map(model.names.map((name, i) => [i, name]))) },
      { key: 'task', value: 'classify' },
    ],
  });
  return { bytes: ModelProto.encode(message).finish(), imgsz, inputShape, outputShape, opset, nodes: graph.nodes.length };
}
