// `tsyolo heatmap`: flags → runHeatmap(); Grad-CAM family heatmaps as objectdetection_script's yolov5_heatmap.py
// (docs/heatmap.md). The model is loaded fused and in eval mode, as the script's attempt_load.
import type { Command } from 'commander';
import { DEVICE_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, nonNegativeInteger, oneOf, positiveInteger, text } from '../run/option-table.ts';
import { selectDeviceFor } from '../run/select-device.ts';
import { CAM_METHODS, type CamMethod } from '../heatmap/cam-methods.ts';
import { CAM_TARGETS, type CamTarget } from '../heatmap/targets.ts';
import { addOptions, resolveFlags } from './options.ts';

interface HeatmapFlags {
  weights: string;
  source: string;
  method: CamMethod;
  layer: number[];
  target: CamTarget;
  renorm: boolean;
  confThres: number;
  ratio: number;
  imgsz: number;
  saveNpy: boolean;
  device: string;
  project: string;
  name: string;
  existOk: boolean;
}

/** '16,19,21', '16 19 21' (the flag is variadic) or a list from a library caller → layer indices. */
function layerList(raw: unknown, name: string): number[] {
  const items = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new Error(`${name} takes YAML layer indices like 16,19,21, got '${String(raw)}'`);
  return items.map((v) => {
    try {
      return nonNegativeInteger(v, name);
    } catch {
      throw new Error(`${name} takes YAML layer indices like 16,19,21, got '${String(raw)}'`);
    }
  });
}

const HEATMAP_FLAGS: OptionTable<HeatmapFlags> = {
  weights: { flags: '--weights <file>', help: 'a .pt or .safetensors model', default: '', required: true, read: text },
  source: { flags: '--source <path>', help: 'image, folder, glob or .txt list of images', default: '', required: true, read: text },
  method: { flags: '--method <m>', help: `CAM method: ${CAM_METHODS.join(', ')}`, default: 'gradcam', read: oneOf(CAM_METHODS) },
  layer: { flags: '--layer <list...>', help: 'YAML layer indices whose maps are averaged (16,19,21 or 16 19 21)', default: [16, 19, 21], read: layerList },
  target: { flags: '--target <t>', help: 'explain the best class scores (class), the box coordinates (box) or both (all)', default: 'class', read: oneOf(CAM_TARGETS) },
  renorm: { flags: '--renorm', help: 'rescale the CAM inside each detected box, zero outside', default: false, read: flag },
  confThres: { flags: '--conf, --conf-thres <c>', help: 'class-score threshold of the target rows and NMS threshold of the boxes', default: 0.2, read: fraction },
  ratio: { flags: '--ratio <r>', help: 'at most this fraction of the prediction rows (by objectness) goes into the target', default: 0.02, read: fraction },
  imgsz: { flags: '--img, --imgsz <size>', help: 'letterbox size', default: 640, read: positiveInteger },
  saveNpy: { flags: '--save-npy', help: 'also save <stem>.npy, the grayscale CAM at the letterboxed size', default: false, read: flag },
  device: DEVICE_OPTION,
  ...runFolderOptions('runs/heatmap'),
};

async function runHeatmapCommand(o: HeatmapFlags, print: (s: string) => void): Promise<void> {
  const [{ loadModel }, { runHeatmap }, { checkCamLayers }] = await Promise.all([
    import('../yolo/load-model.ts'),
    import('../heatmap/run-heatmap.ts'),
    import('../heatmap/heatmap.ts'),
  ]);
  const device = selectDeviceFor(o.weights, o.device);
  const { model } = loadModel(o.weights);
  checkCamLayers(model, o.layer, `--layer ${o.layer.join(',')}`);
  if (device !== 'cpu') model.moveTo(device);
  const { weights: _w, device: _d, layer, ...rest } = o;
  await runHeatmap(model.fuse().eval(), { ...rest, layers: layer, log: print });
}

export function heatmapCommand(command: Command, print: (s: string) => void): void {
  command.description('Grad-CAM family heatmaps of a detector over images: <stem>.png, and the CAM as <stem>.npy (objectdetection_script yolov5_heatmap.py)');
  addOptions(command, HEATMAP_FLAGS).action((values: Record<string, unknown>) => runHeatmapCommand(resolveFlags(HEATMAP_FLAGS, values), print));
}
