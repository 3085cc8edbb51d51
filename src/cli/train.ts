// `tsyolo train`: flags → train(), YOLOv5's names and defaults.
import type { OptimizerName } from '../train/optimizer.ts';
import { train } from '../train/trainer.ts';

export async function runTrain(o: Record<string, unknown>, print: (s: string) => void): Promise<void> {
  const optimizer = o.optimizer as string;
  if (!['SGD', 'Adam', 'AdamW'].includes(optimizer)) throw new Error(`--optimizer must be SGD, Adam or AdamW, got '${optimizer}'`);
  if (o.cache !== undefined && o.cache !== true && o.cache !== 'ram') throw new Error(`--cache takes 'ram' (disk caching is not supported), got '${String(o.cache)}'`);
  const freeze = (o.freeze as string[] | undefined)?.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--freeze takes layer counts or indices, got '${v}'`);
    return n;
  });
  const r = await train({
    data: o.data as string,
    cfg: o.cfg as string | undefined,
    weights: (o.weights as string | undefined) || undefined,
    hyp: o.hyp as string,
    epochs: o.epochs as number,
    batchSize: o.batchSize as number,
    imgsz: o.imgsz as number,
    device: o.device as string,
    workers: o.workers as number,
    project: o.project as string,
    name: o.name as string,
    existOk: Boolean(o.existOk),
    resume: o.resume === true ? true : (o.resume as string | undefined),
    cache: o.cache ? 'ram' : undefined,
    optimizer: optimizer as OptimizerName,
    cosLr: Boolean(o.cosLr),
    patience: o.patience as number,
    freeze,
    seed: o.seed as number,
    noval: Boolean(o.noval),
    nosave: Boolean(o.nosave),
    noplots: Boolean(o.noplots),
    noautoanchor: Boolean(o.noautoanchor),
    multiScale: Boolean(o.multiScale),
    singleCls: Boolean(o.singleCls),
    labelSmoothing: o.labelSmoothing as number,
    log: print,
  });
  // Scripts chaining `tsyolo train && …` must not carry on with a half-trained model.
  if (r.stoppedBy === 'interrupted') throw new Error(`training interrupted; ${r.last} holds the state to resume from`);
  print(`best: ${r.best}\nfinal mAP50 ${r.final.mAP50.toFixed(3)}, mAP50-95 ${r.final.mAP50_95.toFixed(3)}`);
}
