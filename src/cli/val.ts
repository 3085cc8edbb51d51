// `tsyolo val`: mAP of weights on a dataset split, as val.py.
import { loadBackend } from '../deploy/load-backend.ts';
import { val } from '../val/val.ts';

export async function runVal(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const json = Boolean(o.json);
  const r = await val({
    data: o.data as string,
    model: await loadBackend(o.weights as string, { device: o.device as string }),
    weightsFile: o.weights as string,
    batchSize: o.batchSize as number,
    imgsz: o.imgsz as number,
    confThres: o.confThres as number,
    iouThres: o.iouThres as number,
    maxDet: o.maxDet as number,
    task: o.task as 'val' | 'test' | 'train',
    workers: o.workers as number,
    singleCls: Boolean(o.singleCls),
    verbose: Boolean(o.verbose),
    saveTxt: Boolean(o.saveTxt),
    saveConf: Boolean(o.saveConf),
    saveJson: Boolean(o.saveJson),
    project: o.project as string,
    name: o.name as string,
    existOk: Boolean(o.existOk),
    log: json ? () => {} : print,
  });
  if (json) {
    print(
      JSON.stringify({
        P: r.P,
        R: r.R,
        mAP50: r.mAP50,
        mAP50_95: r.mAP50_95,
        images: r.nImages,
        instances: r.nInstances,
        perClass: r.perClass,
        speedMs: r.speedMs,
        saveDir: r.saveDir,
      }),
    );
  }
}
