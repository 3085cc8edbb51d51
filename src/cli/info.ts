// `tsyolo info`: YOLOv5's layer table and summary line for a config or a checkpoint.
import { loadModel } from '../yolo/load-model.ts';
import { formatLayerTable, formatSummaryLine, summarize } from '../yolo/model-info.ts';

export interface InfoOptions {
  cfg?: string;
  weights?: string;
  img: number;
  nc?: number;
  fuse?: boolean;
  json?: boolean;
}

export function runInfo(o: InfoOptions, print: (s: string) => void): void {
  if (!o.cfg && !o.weights) throw new Error('info needs --cfg (a model YAML) or --weights (a .pt or .safetensors)');
  const { model, meta } = loadModel((o.weights ?? o.cfg)!, { nc: o.nc, log: print });
  const unfused = summarize(model, o.img);
  if (!o.json) {
    print(formatLayerTable(model));
    print(formatSummaryLine(unfused));
  }
  let last = unfused;
  if (o.fuse) {
    model.fuse();
    last = summarize(model, o.img);
    if (!o.json) {
      print('Fusing layers... ');
      print(formatSummaryLine(last));
    }
  }
  if (o.json) {
    const out: Record<string, unknown> = { layers: last.layers, parameters: last.parameters, gradients: last.gradients, gflops: Number(last.gflops.toFixed(1)) };
    if (o.weights) out.checkpoint = { epoch: meta.epoch ?? null, nc: model.nc, names: model.names };
    print(JSON.stringify(out));
    return;
  }
  if (o.weights) {
    print(`\nCheckpoint ${o.weights}: epoch ${meta.epoch ?? 'n/a'}, nc ${model.nc}, stride [${model.stride.join(', ')}]`);
    print(`names: ${model.names.join(', ')}`);
  }
}
