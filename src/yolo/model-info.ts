// YOLOv5's printed model description: the parse_model layer table and the summary line.
import { pyRepr } from '../compat/python.ts';
import type { DetectionModel } from './detection-model.ts';
import { modelGflops } from './flops.ts';

export interface ModelSummary {
  name: string;
  layers: number;
  parameters: number;
  gradients: number;
  gflops: number;
}

export function summarize(model: DetectionModel, imgsz = 640): ModelSummary {
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

export function formatLayerTable(model: DetectionModel): string {
  const lines = [`\n${''.padStart(3)}${'from'.padStart(18)}${'n'.padStart(3)}${'params'.padStart(10)}  ${'module'.padEnd(40)}${'arguments'.padEnd(30)}`];
  for (const l of model.layerInfo) {
    lines.push(`${String(l.i).padStart(3)}${pyRepr(l.f).padStart(18)}${String(l.n).padStart(3)}${String(l.np).padStart(10)}  ${l.type.padEnd(40)}${pyRepr(l.args).padEnd(30)}`);
  }
  return lines.join('\n');
}
