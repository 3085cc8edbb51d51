// exportOnnx(): a DetectionModel → ONNX ModelProto bytes, built by walking the module tree (each layer's class
// emits its own nodes; the emitters live beside the blocks in src/yolo/modules/). Input 'images' (N, 3, H, W) float32
// 0–1, output 'output0' (N, anchors·cells, 5 + nc [+ nm mask coefficients]) decoded as Detect does in eval mode
// (a Segment model adds 'output1', its mask prototypes), metadata 'stride' and 'names' as YOLOv5 writes. With `nms`
// the graph ends in NMS instead (nms-onnx.ts): output 'detections' (n, 7) and metadata 'nms' with its settings.
import { pyRepr } from '../compat/python.ts';
import type { Module } from '../nn/module.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { SEGMENT_PROTO_OUTPUT, Segment } from '../yolo/modules/heads/segment.ts';
import { type EmitContext, onnxEmitterFor } from './emitter-registry.ts';
import { checkNmsSettings, emitNms, NMS_COLUMNS, NMS_OUTPUT, nmsMetadata, type OnnxNmsSettings } from './nms-onnx.ts';
import { type Dim, GraphBuilder, type ValueInfo } from './onnx-graph.ts';
import { ModelProto, OnnxDataType } from './onnx-schema.ts';

export const MIN_OPSET = 12;
export const MAX_OPSET = 17;

export interface OnnxExportOptions {
  /** Image size: one number (square) or [height, width]; rounded up to a multiple of the largest stride. */
  imgsz?: number | readonly [number, number];
  batch?: number;
  opset?: number;
  /** Symbolic batch, height and width (the Detect grid is computed in the graph). */
  dynamic?: boolean;
  /** Store weights as float16 (half the file); input, output and arithmetic stay float32. */
  half?: boolean;
  /** NMS inside the graph (export.py's --nms): the output becomes 'detections' (n, 7), see nms-onnx.ts. */
  nms?: OnnxNmsSettings;
  log?: (line: string) => void;
  /** Called after each layer is written into the graph: layers done, layers in all (the CLI's bar). */
  onProgress?: (done: number, total: number) => void;
}

export interface OnnxExportResult {
  bytes: Uint8Array;
  imgsz: [number, number];
  inputShape: Dim[];
  outputShape: Dim[];
  opset: number;
  nodes: number;
}

/** ONNX IR version for an opset (the ONNX release that introduced the opset). */
function irVersionFor(opset: number): number {
  return opset >= 15 ? 8 : 7;
}

/** What every export checks first: opset, batch, the image size rounded up to the largest stride (with v7.0's warning). */
export function exportSettings(stride: readonly number[], o: Omit<OnnxExportOptions, 'nms'>): { opset: number; batch: number; gs: number; imgsz: [number, number]; dynamic: boolean } {
  const opset = o.opset ?? MAX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Error(`ONNX export: --opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  }
  const batch = o.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`ONNX export: --batch must be a positive integer, got ${batch}`);
  const gs = Math.max(32, ...stride);
  const req = typeof o.imgsz === 'number' || o.imgsz === undefined ? [o.imgsz ?? 640, o.imgsz ?? 640] : [o.imgsz[0], o.imgsz[1]];
  for (const v of req) if (!Number.isInteger(v) || v < 1) throw new Error(`ONNX export: --img must be a positive integer, got ${v}`);
  const imgsz = req.map((v) => Math.ceil(v / gs) * gs) as [number, number];
  if (imgsz[0] !== req[0] || imgsz[1] !== req[1]) {
    o.log?.(`WARNING ⚠️ --img size ${req.join('x')} must be multiple of max stride ${gs}, updating to ${imgsz.join('x')}`);
  }
  return { opset, batch, gs, imgsz, dynamic: o.dynamic ?? false };
}

/** A model's layers as the export walks them: the modules and each one's `from`. */
export interface ExportableLayers {
  /** The layer list (`model.model.layers`). */
  layers: readonly Module[];
  /** Each layer's `from` (-1, an index, or a list). */
  from: readonly (number | readonly number[])[];
}

/**
 * The layer walk of forwardOnce on value names instead of tensors: each layer's emitter writes its nodes into a new
 * graph; returns the graph and the last layer's output name.
 */
export function emitLayers(net: ExportableLayers, s: { opset: number; dynamic: boolean; imgsz: [number, number]; half?: boolean; onProgress?: (done: number, total: number) => void }): { graph: GraphBuilder; last: string } {
  const graph = new GraphBuilder({ halfWeights: s.half ?? false });
  const ctx: EmitContext = {
    graph,
    opset: s.opset,
    dynamic: s.dynamic,
    imageSize: s.imgsz,
    emit(module: Module, input: string | string[], scope: string): string {
      return onnxEmitterFor(module, scope)(module, input, ctx, scope);
    },
  };
  const outputs: string[] = [];
  let cur: string | string[] = 'images';
  for (let i = 0; i < net.layers.length; i++) {
    const f = net.from[i]!;
    const saved = (j: number) => outputs[j < 0 ? outputs.length + j : j]!;
    if (f !== -1) cur = typeof f === 'number' ? saved(f) : f.map((j) => (j === -1 ? (cur as string) : saved(j)));
    cur = ctx.emit(net.layers[i]!, cur, `model.${i}`);
    outputs.push(cur);
    s.onProgress?.(i + 1, net.layers.length);
  }
  return { graph, last: cur as string };
}

export function exportOnnx(model: DetectionModel, o: OnnxExportOptions = {}): OnnxExportResult {
  const { opset, batch, gs, imgsz, dynamic } = exportSettings(model.stride, o);
  if (o.nms) {
    if (model.detect instanceof Segment) throw new Error('ONNX export: --nms is for detection models; segmentation models export without it');
    checkNmsSettings(o.nms);
  }
  const { graph, last: cur } = emitLayers({ layers: model.model.layers, from: model.layerInfo.map((l) => l.f) }, { opset, dynamic, imgsz, half: o.half, onProgress: o.onProgress });
  if (o.nms) graph.renameLastOutput(emitNms(graph, cur, model.detect.nc, o.nms), NMS_OUTPUT);
  else graph.renameLastOutput(cur, 'output0');

  const rows = model.detect.na * model.detect.stride.reduce((s, st) => s + (imgsz[0] / st) * (imgsz[1] / st), 0);
  const inputShape: Dim[] = dynamic ? ['batch', 3, 'height', 'width'] : [batch, model.inputChannels, imgsz[0], imgsz[1]];
  inputShape[1] = model.inputChannels;
  const outputShape: Dim[] = o.nms ? ['detections', NMS_COLUMNS] : dynamic ? ['batch', 'anchors', model.detect.no] : [batch, rows, model.detect.no];
  const graphOutputs: ValueInfo[] = [{ name: o.nms ? NMS_OUTPUT : 'output0', elemType: OnnxDataType.FLOAT, shape: outputShape }];
  // A Segment head adds its mask prototypes (N, nm, H/4, W/4).
  if (model.detect instanceof Segment) {
    const protoShape: Dim[] = dynamic ? ['batch', model.detect.nm, 'proto_height', 'proto_width'] : [batch, model.detect.nm, imgsz[0] / 4, imgsz[1] / 4];
    graphOutputs.push({ name: SEGMENT_PROTO_OUTPUT, elemType: OnnxDataType.FLOAT, shape: protoShape });
  }
  const message = ModelProto.fromObject({
    irVersion: irVersionFor(opset),
    producerName: 'tsyolo',
    opsetImport: [{ domain: '', version: opset }],
    graph: graph.graph('main_graph', [{ name: 'images', elemType: OnnxDataType.FLOAT, shape: inputShape }], graphOutputs),
    metadataProps: [
      { key: 'stride', value: String(gs) },
      { key: 'names', value: pyRepr(new Map(model.names.map((name, i) => [i, name]))) },
      ...(o.nms ? [{ key: 'nms', value: nmsMetadata(o.nms) }] : []),
    ],
  });
  const bytes = ModelProto.encode(message).finish();
  return { bytes, imgsz, inputShape, outputShape, opset, nodes: graph.nodes.length };
}
