// exportClassifierOnnx(): a ClassificationModel → ONNX bytes, the same layer walk as exportOnnx with the Classify
// head's emitter at the end: input 'images' (N, 3, H, W) float32, output 'output0' (N, nc) logits (no softmax, as
// v7.0's export of a classifier), metadata 'stride' and 'names' as export.py writes them.
import { pyRepr } from '../compat/python.ts';
import type { ClassificationModel } from '../yolo/classification-model.ts';
import { emitLayers, exportSettings, type OnnxExportOptions, type OnnxExportResult } from './export-onnx.ts';
import type { Dim } from './onnx-graph.ts';
import { ModelProto, OnnxDataType } from './onnx-schema.ts';

/** Exports a classifier (call `fuse().eval()` first, as export.py does); --nms does not apply. */
export function exportClassifierOnnx(model: ClassificationModel, o: Omit<OnnxExportOptions, 'nms'> = {}): OnnxExportResult {
  const { opset, batch, gs, imgsz, dynamic } = exportSettings(model.stride, o);
  const { graph, last } = emitLayers({ layers: model.model.layers, from: model.layerInfo.map((l) => l.f) }, { opset, dynamic, imgsz, half: o.half, onProgress: o.onProgress });
  graph.renameLastOutput(last, 'output0');
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
