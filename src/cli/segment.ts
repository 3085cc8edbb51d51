// `tsyolo segment …`: YOLOv5 v7.0's segment/ scripts — the command group with `segment val` (segment/val.py) and
// `segment predict` (segment/predict.py); `segment train` is added by segment-train.ts.
import type { Command } from 'commander';
import { DEVICE_OPTION, WORKERS_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, integer, oneOf, positiveInteger, text } from '../run/option-table.ts';
import { selectDeviceFor } from '../run/select-device.ts';
import { DETECT_FLAGS } from './detect.ts';
import { addOptions, resolveFlags } from './options.ts';
import { VAL_FLAGS } from './val.ts';

interface SegmentValFlags {
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

const SEGMENT_VAL_FLAGS: OptionTable<SegmentValFlags> = {
  weights: { flags: '--weights <file>', help: 'a segmentation model: .pt, .safetensors or exported .onnx (output0 + output1)', default: '', required: true, read: text },
  data: { ...VAL_FLAGS.data, help: 'dataset YAML whose labels are polygons (YOLO segment format)' },
  imgsz: VAL_FLAGS.imgsz,
  batchSize: VAL_FLAGS.batchSize,
  confThres: VAL_FLAGS.confThres,
  iouThres: VAL_FLAGS.iouThres,
  maxDet: VAL_FLAGS.maxDet,
  task: { flags: '--task <task>', help: 'train, val or test split', default: 'val', read: oneOf(['val', 'test', 'train'] as const) },
  device: DEVICE_OPTION,
  workers: WORKERS_OPTION,
  singleCls: VAL_FLAGS.singleCls,
  verbose: VAL_FLAGS.verbose,
  saveTxt: VAL_FLAGS.saveTxt,
  saveConf: VAL_FLAGS.saveConf,
  saveJson: { flags: '--save-json', help: 'save COCO-style predictions JSON with RLE masks (masks upsampled before cropping, as v7.0 then does) and evaluate it with COCOeval bbox and segm', default: false, read: flag },
  ...runFolderOptions('runs/val-seg'),
  json: VAL_FLAGS.json,
};

interface SegmentPredictFlags {
  weights: string;
  source: string;
  imgsz: number;
  confThres: number;
  iouThres: number;
  maxDet: number;
  classes: number[] | undefined;
  agnosticNms: boolean;
  retinaMasks: boolean;
  saveTxt: boolean;
  saveConf: boolean;
  nosave: boolean;
  lineThickness: number;
  hideLabels: boolean;
  hideConf: boolean;
  device: string;
  project: string;
  name: string;
  existOk: boolean;
}

const SEGMENT_PREDICT_FLAGS: OptionTable<SegmentPredictFlags> = {
  weights: SEGMENT_VAL_FLAGS.weights,
  source: { flags: '--source <path>', help: 'image file, folder or glob', default: '', required: true, read: text },
  imgsz: SEGMENT_VAL_FLAGS.imgsz,
  confThres: DETECT_FLAGS.confThres,
  iouThres: DETECT_FLAGS.iouThres,
  maxDet: DETECT_FLAGS.maxDet,
  classes: DETECT_FLAGS.classes,
  agnosticNms: DETECT_FLAGS.agnosticNms,
  retinaMasks: { flags: '--retina-masks', help: 'draw the masks at the original image resolution', default: false, read: flag },
  saveTxt: { flags: '--save-txt', help: 'save labels/<image>.txt: class and polygon (normalised x y pairs) per detection', default: false, read: flag },
  saveConf: DETECT_FLAGS.saveConf,
  nosave: DETECT_FLAGS.nosave,
  lineThickness: DETECT_FLAGS.lineThickness,
  hideLabels: DETECT_FLAGS.hideLabels,
  hideConf: DETECT_FLAGS.hideConf,
  device: DEVICE_OPTION,
  ...runFolderOptions('runs/predict-seg'),
};

async function runSegmentVal(o: SegmentValFlags, print: (s: string) => void): Promise<void> {
  const [{ loadSegmentBackend }, { segmentVal }] = await Promise.all([import('../segment/segment-backend.ts'), import('../segment/segment-val.ts')]);
  const model = await loadSegmentBackend(o.weights, { device: selectDeviceFor(o.weights, o.device) });
  try {
    const { weights, data, imgsz, batchSize, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk } = o;
    const r = await segmentVal({ model, weightsFile: weights, data, imgsz, batchSize, confThres, iouThres, maxDet, task, workers, singleCls, verbose, saveTxt, saveConf, saveJson, project, name, existOk, log: o.json ? () => {} : print });
    const coco = r.coco ? { cocoStats: { bbox: r.coco.summaries.bbox?.stats, segm: r.coco.summaries.segm?.stats } } : {};
    if (o.json) print(JSON.stringify({ box: r.box, mask: r.mask, images: r.nImages, instances: r.nInstances, perClass: r.perClass, speedMs: r.speedMs, saveDir: r.saveDir, ...coco }));
  } finally {
    await model.dispose();
  }
}

async function runSegmentPredict(o: SegmentPredictFlags, print: (s: string) => void): Promise<void> {
  const [{ loadSegmentBackend }, { segmentPredict }] = await Promise.all([import('../segment/segment-backend.ts'), import('../segment/segment-predict.ts')]);
  const model = await loadSegmentBackend(o.weights, { device: selectDeviceFor(o.weights, o.device) });
  try {
    const { weights: _w, device: _d, ...options } = o;
    await segmentPredict(model, { ...options, log: print });
  } finally {
    await model.dispose();
  }
}

/** `tsyolo segment`: the command group of v7.0's segment/ scripts; adds val and predict (train: segment-train.ts). */
export function segmentCommand(command: Command, print: (s: string) => void): Command {
  command.description('instance segmentation (YOLOv5 v7.0 segment/): train, val, predict');
  const val = command.command('val').description('box and mask mAP of a segmentation model on a polygon-labelled split (segment/val.py)');
  addOptions(val, SEGMENT_VAL_FLAGS).action((values: Record<string, unknown>) => runSegmentVal(resolveFlags(SEGMENT_VAL_FLAGS, values), print));
  const predict = command.command('predict').description('masks and boxes on images: annotated images, polygon labels (segment/predict.py)');
  addOptions(predict, SEGMENT_PREDICT_FLAGS).action((values: Record<string, unknown>) => runSegmentPredict(resolveFlags(SEGMENT_PREDICT_FLAGS, values), print));
  return command;
}
