// classify/val.py run directly: a checkpoint evaluated on a dataset folder's test/ (or val/) split, the top-1/top-5
// table (per class when verbose), speeds per image and the run folder (runs/val-cls/exp).
import { availableParallelism } from 'node:os';
import { pyFormat } from '../compat/python.ts';
import { incrementPath } from '../run/increment-path.ts';
import { resolveOptions } from '../run/option-table.ts';
import { selectDevice } from '../run/select-device.ts';
import { loadClassifier } from '../yolo/classification-checkpoint.ts';
import { ClassifyLoader } from './classify-loader.ts';
import { CLASSIFY_VAL_FLAGS, type ClassifyValOptions } from './classify-options.ts';
import { evaluateClassifier, perClassAccuracy } from './evaluate.ts';
import { readClassFolders, resolveTestSplit } from './folder-dataset.ts';

/** Top-1, top-5 and where the run was recorded. */
export interface ClassifyValResult {
  /** Top-1 accuracy. */
  top1: number;
  /** Top-5 accuracy. */
  top5: number;
  /** The run folder. */
  saveDir: string;
}

/** Evaluates a classifier checkpoint as classify/val.py does; options not given take its defaults. */
export async function valClassifier(given: Partial<ClassifyValOptions> & Pick<ClassifyValOptions, 'data' | 'weights'>, print: (s: string) => void = (s) => console.log(s)): Promise<ClassifyValResult> {
  const o: ClassifyValOptions = { ...resolveOptions(CLASSIFY_VAL_FLAGS, {}), ...given };
  const device = selectDevice(o.device);
  const split = readClassFolders(resolveTestSplit(o.data));
  const { model } = loadClassifier(o.weights, { cfg: o.cfg || undefined, log: print });
  if (model.nc !== split.classes.length) {
    throw new Error(`${split.root}: ${split.classes.length} class folders, but ${o.weights} has ${model.nc} classes`);
  }
  model.fuse(); // DetectMultiBackend loads fused
  if (device !== 'cpu') model.moveTo(device);
  model.eval();
  const saveDir = incrementPath(o.project, o.name, o.existOk);
  const bs = Math.min(o.batchSize, split.samples.length);
  const loader = new ClassifyLoader(split, o.imgsz, o.batchSize, false, 0, device, Math.min(availableParallelism(), bs > 1 ? bs : 0, o.workers));
  const r = await evaluateClassifier((x) => model.forward(x), loader).finally(() => loader.close());
  if (o.verbose) {
    print(`${'Class'.padStart(24)}${'Images'.padStart(12)}${'top1_acc'.padStart(12)}${'top5_acc'.padStart(12)}`);
    print(`${'all'.padStart(24)}${String(r.seen).padStart(12)}${pyFormat('%12.3g%12.3g', r.top1, r.top5)}`);
    perClassAccuracy(r, model.nc).forEach((c, i) => {
      print(`${(model.names[i] ?? String(i)).padStart(24)}${String(c.images).padStart(12)}${pyFormat('%12.3g%12.3g', c.top1, c.top5)}`);
    });
    const per = r.ms.map((t) => t / Math.max(1, r.seen));
    print(`Speed: ${per[0]!.toFixed(1)}ms pre-process, ${per[1]!.toFixed(1)}ms inference, ${per[2]!.toFixed(1)}ms post-process per image at shape (1, 3, ${o.imgsz}, ${o.imgsz})`);
    print(`Results saved to ${saveDir}`);
  }
  return { top1: r.top1, top5: r.top5, saveDir };
}
