// YOLOv5's printed model description: the parse_model layer table and the summary line.
import { padEnd, padStart, pyRepr } from '../compat/python-repr.ts';
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
  const lines = [`\n${padStart('', 3)}${padStart('from', 18)}${padStart('n', 3)}${padStart('params', 10)}  ${padEnd('module', 40)}${padEnd('arguments', 30)}`];
  for (const l of model.layerInfo) {
    lines.push(`${padStart(String(l.i), 3)}${padStart(pyRepr(l.f), 18)}${padStart(String(l.n), 3)}${padStart(String(l.np), 10)}  ${padEnd(l.type, 40)}${padEnd(pyRepr(l.args), 30)}`);
  }
  return lines.join('\n');
}
