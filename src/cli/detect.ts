// `tsyolo detect`: flags → detect(); the model is loaded from weights (fused, eval) like detect.py.
import { detect } from '../detect/detect.ts';
import type { OnnxModel } from '../deploy/onnx-model.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { loadModel } from '../yolo/load-model.ts';

/** libtorch for .pt/.safetensors/YAML; onnxruntime-node (loaded only then) for .onnx. */
async function loadDetector(o: Record<string, unknown>): Promise<DetectionModel | OnnxModel> {
  const weights = o.weights as string;
  if (weights.toLowerCase().endsWith('.onnx')) {
    if (o.device && o.device !== 'cpu') throw new Error(`--device ${o.device}: ONNX models run on the CPU (onnxruntime-node)`);
    const { OnnxModel } = await import('../deploy/onnx-model.ts');
    return OnnxModel.load(weights);
  }
  const { model } = loadModel(weights);
  if (o.device && o.device !== 'cpu') model.moveTo(o.device as string);
  return model.fuse().eval();
}

export async function runDetect(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const model = await loadDetector(o);
  const classes = (o.classes as string[] | undefined)?.map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n)) throw new Error(`--classes takes class ids, got '${c}'`);
    return n;
  });
  await detect(model, {
    source: o.source as string,
    imgsz: o.imgsz as number,
    confThres: o.confThres as number,
    iouThres: o.iouThres as number,
    maxDet: o.maxDet as number,
    classes,
    agnosticNms: Boolean(o.agnosticNms),
    saveTxt: Boolean(o.saveTxt),
    saveConf: Boolean(o.saveConf),
    saveCrop: Boolean(o.saveCrop),
    nosave: Boolean(o.nosave),
    lineThickness: o.lineThickness as number,
    hideLabels: Boolean(o.hideLabels),
    hideConf: Boolean(o.hideConf),
    device: o.device as string,
    project: o.project as string,
    name: o.name as string,
    existOk: Boolean(o.existOk),
    log: print,
  });
}
