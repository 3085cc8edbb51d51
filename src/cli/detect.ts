// `tsyolo detect`: flags → detect(); the model is loaded from weights (fused, eval) like detect.py.
import type { Command } from 'commander';
import { DEVICE_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, integer, positiveInteger, text, textList } from '../run/option-table.ts';
import { selectDeviceFor } from '../run/select-device.ts';
import { NMS_METHOD_OPTIONS, type NmsMethodFlags, nmsMethodOf } from '../run/nms-options.ts';
import { ExitError } from './exit-error.ts';
import { addOptions, readFlags, resolveFlags } from './options.ts';

interface DetectFlags extends NmsMethodFlags {
  weights: string[];
  source: string;
  /** Undefined when --img is not given (a fixed-size ONNX model then runs at its size without a warning). */
  imgsz: number | undefined;
  confThres: number;
  iouThres: number;
  maxDet: number;
  classes: number[] | undefined;
  agnosticNms: boolean;
  augment: boolean;
  half: boolean;
  visualize: boolean;
  saveTxt: boolean;
  saveConf: boolean;
  saveCrop: boolean;
  nosave: boolean;
  lineThickness: number;
  hideLabels: boolean;
  hideConf: boolean;
  device: string;
  project: string;
  name: string;
  existOk: boolean;
  vidStride: number;
}

function classes(raw: unknown, name: string): number[] {
  return (Array.isArray(raw) ? raw : [raw]).map((c) => {
    try {
      return integer(c, name);
    } catch {
      throw new Error(`${name} takes class ids, got '${String(c)}'`);
    }
  });
}

// --conf and --iou: how YOLOv5's tutorials type them (argparse accepts a flag's unique prefix).
/** detect.py's flags as an option table (segment predict reuses its rows). */
export const DETECT_FLAGS: OptionTable<DetectFlags> = {
  weights: { flags: '--weights <files...>', help: 'a .pt, .safetensors or exported .onnx model (or a model YAML for an untrained model); several .pt/.safetensors make an ensemble', default: [], required: true, read: textList },
  source: { flags: '--source <path>', help: 'image or video file, folder, glob, .txt list of images, webcam index (0), rtsp/rtmp/http(s) URL or .streams list', default: '', required: true, read: text },
  imgsz: { flags: '--img, --imgsz <size>', help: 'inference size', default: 640, read: positiveInteger },
  confThres: { flags: '--conf, --conf-thres <c>', help: 'confidence threshold', default: 0.25, read: fraction },
  iouThres: { flags: '--iou, --iou-thres <t>', help: 'NMS IoU threshold', default: 0.45, read: fraction },
  ...NMS_METHOD_OPTIONS,
  maxDet: { flags: '--max-det <n>', help: 'maximum detections per image', default: 1000, read: positiveInteger },
  classes: { flags: '--classes <c...>', help: 'keep only these class ids', default: undefined, read: classes },
  agnosticNms: { flags: '--agnostic-nms', help: 'class-agnostic NMS', default: false, read: flag },
  augment: { flags: '--augment', help: 'augmented inference (TTA: scales 1, 0.83, 0.67, flip)', default: false, read: flag },
  half: { flags: '--half', help: 'half-precision inference: float16 on CUDA, bfloat16 on the CPU (libtorch weights)', default: false, read: flag },
  visualize: { flags: '--visualize', help: 'save each layer\'s feature maps (first 32 channels) as <stem>/stage{i}_{Type}_features.png and .npy', default: false, read: flag },
  saveTxt: { flags: '--save-txt', help: 'save labels/<image>.txt', default: false, read: flag },
  saveConf: { flags: '--save-conf', help: 'add confidences to --save-txt labels', default: false, read: flag },
  saveCrop: { flags: '--save-crop', help: 'save crops/<class>/<image>.jpg', default: false, read: flag },
  nosave: { flags: '--nosave', help: 'do not save annotated images', default: false, read: flag },
  lineThickness: { flags: '--line-thickness <px>', help: 'box line width', default: 3, read: positiveInteger },
  hideLabels: { flags: '--hide-labels', help: 'draw boxes without labels', default: false, read: flag },
  hideConf: { flags: '--hide-conf', help: 'labels without confidences', default: false, read: flag },
  device: DEVICE_OPTION,
  ...runFolderOptions('runs/detect'),
  vidStride: { flags: '--vid-stride <n>', help: 'video frame-rate stride', default: 1, read: positiveInteger },
};

export async function runDetect(o: DetectFlags, print: (s: string) => void): Promise<void> {
  const [{ loadBackend }, { detect }] = await Promise.all([import('../deploy/load-backend.ts'), import('../detect/detect.ts')]);
  const nms = nmsMethodOf(o);
  const backend = await loadBackend(o.weights, { device: selectDeviceFor(o.weights[0]!, o.device), log: print, half: o.half });
  const { weights: _w, device: _d, half: _h, ...options } = o;
  // Ctrl-C ends a video or stream between two frames and finishes its .mp4s; a second Ctrl-C quits at once.
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    print('\nInterrupted: finishing the videos written so far (Ctrl-C again to quit now)');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await detect(backend, { ...options, ...nms, signal: stop.signal, log: print });
    if (r.interrupted) throw new ExitError(`detect interrupted; results so far are in ${r.saveDir}`, 130);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function detectCommand(command: Command, print: (s: string) => void): void {
  command.description('run a detector on images, videos, webcams, streams and .streams lists: annotated images/videos, YOLO-format labels, crops (detect.py)');
  addOptions(command, DETECT_FLAGS).action((values: Record<string, unknown>) => runDetect({ ...resolveFlags(DETECT_FLAGS, values), imgsz: readFlags(DETECT_FLAGS, values).imgsz }, print));
}
