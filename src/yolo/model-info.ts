// YOLOv5's printed model description: the parse_model layer table and the summary line.
import { pyRepr } from '../compat/python.ts';
import type { ClassificationModel } from './classification-model.ts';
import type { DetectionModel } from './detection-model.ts';
import { modelGflops } from './flops.ts';

/** YOLOv5's model summary numbers. */
export interface ModelSummary {
  /** Summary name (the YAML stem, e.g. YOLOv5s). */
  name: string;
  /** Modules in the tree (PyTorch's len(list(model.modules()))). */
  layers: number;
  /** Parameter elements. */
  parameters: number;
  /** Parameter elements that require grad. */
  gradients: number;
  /** GFLOPs at the summary's image size (thop's count × 2, as YOLOv5). */
  gflops: number;
}

/** YOLOv5's model_info numbers at `imgsz`: layers, parameters, gradients, GFLOPs. */
export function summarize(model: DetectionModel | ClassificationModel, imgsz = 640): ModelSummary {
  let parameters = 0;
  let gradients = 0;
  for (const p of model.parameters()) {
    parameters += p.numel;
    if (p.requiresGrad) gradients += p.numel;
  }
  return {
    name: model.summaryName,
    layers: [...model.modules()].length,
    parameters,
    gradients,
    gflops: modelGflops(model, imgsz),
  };
}

/** `YOLOv5s summary: 214 layers, 7235389 parameters, 7235389 gradients, 16.6 GFLOPs` */
export function formatSummaryLine(s: ModelSummary): string {
  return `${s.name} summary: ${s.layers} layers, ${s.parameters} parameters, ${s.gradients} gradients, ${s.gflops.toFixed(1)} GFLOPs`;
}

/** YOLOv5's layer table: from, n, params, module, arguments per layer. */
export function formatLayerTable(model: DetectionModel | ClassificationModel): string {
  const lines = [`\n${''.padStart(3)}${'from'.padStart(18)}${'n'.padStart(3)}${'params'.padStart(10)}  ${'module'.padEnd(40)}${'arguments'.padEnd(30)}`];
  for (const l of model.layerInfo) {
    lines.push(`${String(l.i).padStart(3)}${pyRepr(l.f).padStart(18)}${String(l.n).padStart(3)}${String(l.np).padStart(10)}  ${l.type.padEnd(40)}${pyRepr(l.args).padEnd(30)}`);
  }
  return lines.join('\n');
}
