// `tsyolo val`: mAP of weights on a dataset split, as val.py.
import { loadModel } from '../yolo/load-model.ts';
import { libtorchValModel, val, type ValModel } from '../val/val.ts';

/** The model plus the batch settings it needs: fixed-shape ONNX exports take square batches of 1 at their size. */
async function loadValModel(o: Record<string, unknown>, print: (s: string) => void): Promise<{ model: ValModel; batchSize: number; imgsz: number; rect: boolean }> {
  const weights = o.weights as string;
  if (weights.toLowerCase().endsWith('.onnx')) {
    if (o.device && o.device !== 'cpu') throw new Error(`--device ${o.device}: ONNX models run on the CPU (onnxruntime-node)`);
    const { onnxValModel } = await import('../deploy/onnx-val-model.ts');
    const v = await onnxValModel(weights);
    if (v.fixedSize !== null) {
      if (!o.json) print(`Forcing --batch-size 1 square inference (1,3,${v.fixedSize},${v.fixedSize}) for non-PyTorch models`);
      return { model: v.model, batchSize: 1, imgsz: v.fixedSize, rect: false };
    }
    return { model: v.model, batchSize: o.batchSize as number, imgsz: o.imgsz as number, rect: true };
  }
  const { model } = loadModel(weights);
  if (o.device && o.device !== 'cpu') model.moveTo(o.device as string);
  model.fuse().eval();
  return { model: libtorchValModel(model, { device: o.device as string }), batchSize: o.batchSize as number, imgsz: o.imgsz as number, rect: true };
}

export async function runVal(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const json = Boolean(o.json);
  const m = await loadValModel(o, print);
  const r = await val({
    data: o.data as string,
    model: m.model,
    weightsFile: o.weights as string,
    batchSize: m.batchSize,
    imgsz: m.imgsz,
    rect: m.rect,
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
