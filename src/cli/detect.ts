// `tsyolo detect`: flags → detect(); the model is loaded from weights (fused, eval) like detect.py.
import { detect } from '../detect/detect.ts';
import { loadModel } from '../yolo/load-model.ts';

export async function runDetect(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const { model } = loadModel(o.weights as string);
  if (o.device && o.device !== 'cpu') model.moveTo(o.device as string);
  model.fuse().eval();
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
