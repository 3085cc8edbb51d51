// `tsyolo val`: mAP of weights on a dataset split, as val.py.
import type { Command } from 'commander';
import { DEVICE_OPTION, WORKERS_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, oneOf, positiveInteger, text } from '../run/option-table.ts';
import { selectDeviceFor } from '../run/select-device.ts';
import { NMS_METHOD_OPTIONS, type NmsMethodFlags, nmsMethodOf } from '../run/nms-options.ts';
import { addOptions, resolveFlags } from './options.ts';

interface ValFlags extends NmsMethodFlags {
  weights: string;
  data: string;
  imgsz: number;
  batchSize: number;
  confThres: number;
  iouThres: number;
  maxDet: number;
  task: 'val' | 'test' | 'train';
  device: string;
  workers: number;
  singleCls: boolean;
  verbose: boolean;
  saveTxt: boolean;
  saveConf: boolean;
  saveJson: boolean;
  project: string;
  name: string;
  existOk: boolean;
  json: boolean;
}

// --conf and --iou: how YOLOv5's tutorials type them (argparse accepts a flag's unique prefix).
const VAL_FLAGS: OptionTable<ValFlags> = {
  weights: { flags: '--weights <file>', help: 'a .pt, .safetensors or exported .onnx model', default: '', required: true, read: text },
  data: { flags: '--data <yaml>', help: 'dataset YAML', default: '', required: true, read: text },
  imgsz: { flags: '--img, --imgsz <size>', help: 'inference size', default: 640, read: positiveInteger },
  batchSize: { flags: '--batch, --batch-size <n>', help: 'batch size', default: 32, read: positiveInteger },
  confThres: { flags: '--conf, --conf-thres <c>', help: 'confidence threshold', default: 0.001, read: fraction },
  iouThres: { flags: '--iou, --iou-thres <t>', help: 'NMS IoU threshold', default: 0.6, read: fraction },
  ...NMS_METHOD_OPTIONS,
  maxDet: { flags: '--max-det <n>', help: 'maximum detections per image', default: 300, read: positiveInteger },
  task: { flags: '--task <task>', help: 'val, test or train split', default: 'val', read: oneOf(['val', 'test', 'train'] as const) },
  device: DEVICE_OPTION,
  workers: WORKERS_OPTION,
  singleCls: { flags: '--single-cls', help: 'treat the dataset as one class', default: false, read: flag },
  verbose: { flags: '--verbose', help: 'per-class rows', default: false, read: flag },
  saveTxt: { flags: '--save-txt', help: 'save labels/<image>.txt', default: false, read: flag },
  saveConf: { flags: '--save-conf', help: 'add confidences to --save-txt labels', default: false, read: flag },
  saveJson: { flags: '--save-json', help: 'save COCO-style detections JSON', default: false, read: flag },
  ...runFolderOptions('runs/val'),
  json: { flags: '--json', help: 'print the metrics as JSON only', default: false, read: flag },
};

export async function runVal(o: ValFlags, print: (s: string) => void): Promise<void> {
  const [{ loadBackend }, { val }] = await Promise.all([import('../deploy/load-backend.ts'), import('../val/val.ts')]);
  const nms = nmsMethodOf(o);
  const model = await loadBackend(o.weights, { device: selectDeviceFor(o.weights, o.device) });
  const { weights, data, batchSize, imgsz, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk } = o;
  const common = { data, batchSize, imgsz, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk };
  const r = await val({ ...common, ...nms, model, weightsFile: weights, log: o.json ? () => {} : print, progress: o.json ? false : undefined });
  if (o.json) {
    const { P, R, mAP50, mAP50_95, perClass, speedMs, saveDir } = r;
    print(JSON.stringify({ P, R, mAP50, mAP50_95, images: r.nImages, instances: r.nInstances, perClass, speedMs, saveDir }));
  }
}

export function valCommand(command: Command, print: (s: string) => void): void {
  command.description('mAP of weights on a dataset split (val.py)');
  addOptions(command, VAL_FLAGS).action((values: Record<string, unknown>) => runVal(resolveFlags(VAL_FLAGS, values), print));
}
