// `tsyolo val`: mAP of weights on a dataset split, as val.py.
import type { Command } from 'commander';
import { DEVICE_OPTION, WORKERS_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, oneOf, positiveInteger, text, textList } from '../run/option-table.ts';
import { selectDeviceFor } from '../run/select-device.ts';
import { NMS_METHOD_OPTIONS, type NmsMethodFlags, nmsMethodOf } from '../run/nms-options.ts';
import { addOptions, resolveFlags } from './options.ts';

interface ValFlags extends NmsMethodFlags {
  weights: string[];
  data: string;
  imgsz: number;
  batchSize: number;
  confThres: number;
  iouThres: number;
  maxDet: number;
  task: 'val' | 'test' | 'train' | 'speed' | 'study';
  device: string;
  workers: number;
  augment: boolean;
  half: boolean;
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
/** val.py's flags as an option table (segment val reuses its rows). */
export const VAL_FLAGS: OptionTable<ValFlags> = {
  weights: { flags: '--weights <files...>', help: 'a .pt, .safetensors or exported .onnx model; several .pt/.safetensors make an ensemble', default: [], required: true, read: textList },
  data: { flags: '--data <yaml>', help: 'dataset YAML', default: '', required: true, read: text },
  imgsz: { flags: '--img, --imgsz <size>', help: 'inference size', default: 640, read: positiveInteger },
  batchSize: { flags: '--batch, --batch-size <n>', help: 'batch size', default: 32, read: positiveInteger },
  confThres: { flags: '--conf, --conf-thres <c>', help: 'confidence threshold', default: 0.001, read: fraction },
  iouThres: { flags: '--iou, --iou-thres <t>', help: 'NMS IoU threshold', default: 0.6, read: fraction },
  ...NMS_METHOD_OPTIONS,
  maxDet: { flags: '--max-det <n>', help: 'maximum detections per image', default: 300, read: positiveInteger },
  task: { flags: '--task <task>', help: 'train, val, test, speed or study', default: 'val', read: oneOf(['val', 'test', 'train', 'speed', 'study'] as const) },
  device: DEVICE_OPTION,
  workers: WORKERS_OPTION,
  augment: { flags: '--augment', help: 'augmented inference (TTA: scales 1, 0.83, 0.67, flip)', default: false, read: flag },
  half: { flags: '--half', help: 'half-precision inference: float16 on CUDA, bfloat16 on the CPU (libtorch weights)', default: false, read: flag },
  singleCls: { flags: '--single-cls', help: 'treat the dataset as one class', default: false, read: flag },
  verbose: { flags: '--verbose', help: 'per-class rows', default: false, read: flag },
  saveTxt: { flags: '--save-txt', help: 'save labels/<image>.txt', default: false, read: flag },
  saveConf: { flags: '--save-conf', help: 'add confidences to --save-txt labels', default: false, read: flag },
  saveJson: { flags: '--save-json', help: 'save COCO-style detections JSON and print COCO mAP (pycocotools)', default: false, read: flag },
  ...runFolderOptions('runs/val'),
  json: { flags: '--json', help: 'print the metrics as JSON only', default: false, read: flag },
};

export async function runVal(o: ValFlags, print: (s: string) => void): Promise<void> {
  if (o.task === 'speed' || o.task === 'study') return runValBenchmark({ ...o, task: o.task }, print);
  const [{ loadBackend }, { val }] = await Promise.all([import('../deploy/load-backend.ts'), import('../val/val.ts')]);
  const nms = nmsMethodOf(o);
  const model = await loadBackend(o.weights, { device: selectDeviceFor(o.weights[0]!, o.device), log: o.json ? () => {} : print, half: o.half });
  const { weights, data, batchSize, imgsz, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk } = o;
  const common = { data, batchSize, imgsz, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk };
  const r = await val({ ...common, ...nms, model, augment: o.augment, weightsFile: weights[0], log: o.json ? () => {} : print, progress: o.json ? false : undefined });
  if (o.json) {
    const { P, R, mAP50, mAP50_95, perClass, speedMs, saveDir } = r;
    print(JSON.stringify({ P, R, mAP50, mAP50_95, images: r.nImages, instances: r.nInstances, perClass, speedMs, saveDir, ...(r.coco ? { cocoStats: r.coco.stats } : {}) }));
  }
}

/**
 * val.py main()'s `--task speed` and `--task study` (src/val/val-study.ts): each --weights file on its own; study
 * writes study_<data>_<weights>.txt and study.png in the working directory, as v7.0 does.
 */
async function runValBenchmark(o: ValFlags & { task: 'speed' | 'study' }, print: (s: string) => void): Promise<void> {
  const [{ loadBackend }, { valSpeed, valStudy }] = await Promise.all([import('../deploy/load-backend.ts'), import('../val/val-study.ts')]);
  const { data, batchSize, imgsz, confThres, iouThres, maxDet, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk } = o;
  const bench = {
    weights: [o.weights].flat(),
    load: (w: string) => loadBackend(w, { device: selectDeviceFor(w, o.device), log: o.json ? () => {} : print, half: o.half }),
    val: { data, batchSize, imgsz, confThres, iouThres, maxDet, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk, ...nmsMethodOf(o), augment: o.augment, progress: o.json ? false : undefined },
    log: o.json ? () => {} : print,
    // Internal, for the tests' quick studies (comma-separated sizes); users get v7.0's 256…1536.
    sizes: process.env.TSYOLO_STUDY_SIZES?.split(',').map((v) => positiveInteger(v, 'TSYOLO_STUDY_SIZES')),
  };
  if (o.task === 'speed') {
    const results = await valSpeed(bench);
    if (o.json) print(JSON.stringify(results.map((r, k) => ({ weights: bench.weights[k], P: r.P, R: r.R, mAP50: r.mAP50, mAP50_95: r.mAP50_95, speedMs: r.speedMs }))));
  } else {
    const { files, plot } = await valStudy(bench);
    if (o.json) print(JSON.stringify({ files, plot }));
  }
}

export function valCommand(command: Command, print: (s: string) => void): void {
  command.description('mAP of weights on a dataset split (val.py)');
  addOptions(command, VAL_FLAGS).action((values: Record<string, unknown>) => runVal(resolveFlags(VAL_FLAGS, values), print));
}
