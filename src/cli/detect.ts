// `tsyolo detect`: flags → detect(); the model is loaded from weights (fused, eval) like detect.py.
import { detect } from '../detect/detect.ts';
import { loadBackend } from '../deploy/load-backend.ts';

export async function runDetect(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const backend = await loadBackend(o.weights as string, { device: o.device as string });
  const classes = (o.classes as string[] | undefined)?.map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n)) throw new Error(`--classes takes class ids, got '${c}'`);
    return n;
  });
  await detect(backend, {
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
    project: o.project as string,
    name: o.name as string,
    existOk: Boolean(o.existOk),
    vidStride: o.vidStride as number,
    log: print,
  });
}
