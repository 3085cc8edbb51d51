// `tsyolo info`: YOLOv5's layer table and summary line for a config or a checkpoint.
import type { Command } from 'commander';
import { type OptionTable, flag, positiveInteger, text } from '../run/option-table.ts';
import { addOptions, resolveFlags } from './options.ts';

export interface InfoOptions {
  cfg: string;
  weights: string;
  img: number;
  nc: number | undefined;
  fuse: boolean;
  json: boolean;
}

const INFO_FLAGS: OptionTable<InfoOptions> = {
  cfg: { flags: '--cfg <yaml>', help: 'model YAML: a shipped name (yolov5s-shufflenetv2.yaml) or a path', default: '', read: text },
  weights: { flags: '--weights <file>', help: 'a .pt or .safetensors checkpoint', default: '', read: text },
  img: { flags: '--img, --imgsz <size>', help: 'image size for GFLOPs', default: 640, read: positiveInteger },
  nc: { flags: '--nc <n>', help: 'override the number of classes', default: undefined, read: positiveInteger },
  fuse: { flags: '--fuse', help: 'fold Conv+BN pairs, then summarise again', default: false, read: flag },
  json: { flags: '--json', help: 'print {"layers","parameters","gradients","gflops"} only', default: false, read: flag },
};

export function infoCommand(command: Command, print: (s: string) => void): void {
  command.description("print YOLOv5's layer table and summary for a model YAML or a checkpoint");
  addOptions(command, INFO_FLAGS).action((values: Record<string, unknown>) => runInfo(resolveFlags(INFO_FLAGS, values), print));
}

export async function runInfo(o: InfoOptions, print: (s: string) => void): Promise<void> {
  if (!o.cfg && !o.weights) throw new Error('info needs --cfg (a model YAML) or --weights (a .pt or .safetensors)');
  const [{ loadModel }, { formatLayerTable, formatSummaryLine, summarize }] = await Promise.all([import('../yolo/load-model.ts'), import('../yolo/model-info.ts')]);
  const classifier = await import('../yolo/classification-checkpoint.ts');
  const source = o.weights || o.cfg;
  const { model, meta } = classifier.isClassifierSource(source)
    ? classifier.loadClassifier(source, { nc: o.nc, cfg: o.weights ? o.cfg || undefined : undefined, log: print })
    : loadModel(source, { nc: o.nc, log: print });
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
