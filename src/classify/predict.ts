// classify/predict.py on images: each through classify_transforms, softmax, the top-5 printed as
// "image 1/3 path: 224x224 7 0.91, 1 0.03, …" and drawn (white, at (32, 32), one "0.91 7" line each) on a copy of
// the original saved to runs/predict-cls/exp; --save-txt writes the same lines to labels/<stem>.txt.
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { basename, extname, join, parse, resolve } from 'node:path';
import { formatFixed } from '../compat/python.ts';
import { makeDirs } from '../io/atomic-write.ts';
import { listImageFiles } from '../data/image-files.ts';
import { Annotator } from '../plot/annotator.ts';
import { saveImage } from '../plot/image-file.ts';
import { incrementPath } from '../run/increment-path.ts';
import { resolveOptions } from '../run/option-table.ts';
import { selectDevice } from '../run/select-device.ts';
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import { loadClassifier } from '../yolo/classification-checkpoint.ts';
import { CLASSIFY_PREDICT_FLAGS, type ClassifyPredictOptions } from './classify-options.ts';
import { classifyTransform } from './transforms.ts';

/** One image's result. */
export interface ClassifyPrediction {
  /** The image file. */
  file: string;
  /** Top-5 (fewer with fewer classes): class index, name, probability. */
  top5: Array<{
    /** Class index. */
    index: number;
    /** Class name. */
    name: string;
    /** Softmax probability. */
    prob: number;
  }>;
}

/** Classifies images as classify/predict.py does; options not given take its defaults. */
export async function predictClassifier(given: Partial<ClassifyPredictOptions> & Pick<ClassifyPredictOptions, 'weights' | 'source'>, print: (s: string) => void = (s) => console.log(s)): Promise<{
  /** The run folder. */
  saveDir: string;
  /** One per image, in order. */
  predictions: ClassifyPrediction[];
}> {
  const o: ClassifyPredictOptions = { ...resolveOptions(CLASSIFY_PREDICT_FLAGS, {}), ...given };
  const device = selectDevice(o.device);
  if (!existsSync(o.source)) throw new Error(`${resolve(o.source)}: no such file or folder`);
  const files = statSync(o.source).isDirectory() ? listImageFiles([o.source]) : [o.source];
  if (files.length === 0) throw new Error(`${resolve(o.source)}: no images found`);
  const { model } = loadClassifier(o.weights, { cfg: o.cfg || undefined, log: print });
  model.fuse();
  if (device !== 'cpu') model.moveTo(device);
  model.eval();
  const saveDir = incrementPath(o.project, o.name, o.existOk);
  if (o.saveTxt) makeDirs(join(saveDir, 'labels'));
  const predictions: ClassifyPrediction[] = [];
  const t: [number, number, number] = [0, 0, 0];
  for (const [n, file] of files.entries()) {
    let t0 = performance.now();
    const { chw, original } = await classifyTransform(file, o.imgsz);
    t[0] += performance.now() - t0;
    t0 = performance.now();
    const probs = noGrad(() => tidy(() => model.forward(tensor(chw, { shape: [1, 3, o.imgsz, o.imgsz], device })).softmax(1).float().cpu().toFloat32Array()));
    t[1] += performance.now() - t0;
    const inference = performance.now() - t0;
    t0 = performance.now();
    const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b).slice(0, 5);
    const top5 = order.map((j) => ({ index: j, name: model.names[j] ?? String(j), prob: probs[j]! }));
    predictions.push({ file, top5 });
    const text = top5.map((p) => `${formatFixed(p.prob, 2)} ${p.name}`).join('\n');
    if (!o.nosave) {
      const fontSize = Math.max(Math.round(((original.width + original.height) / 2) * 0.035), 12);
      const annotator = new Annotator(original.data, original.width, original.height, { fontSize });
      text.split('\n').forEach((line, k) => annotator.text(32, 32 + k * (fontSize + 4), line, [255, 255, 255]));
      const ext = extname(file).toLowerCase();
      const out = join(saveDir, ext === '.png' || ext === '.jpg' || ext === '.jpeg' ? basename(file) : `${parse(file).name}.jpg`);
      await saveImage(out, annotator.result(), original.width, original.height);
    }
    if (o.saveTxt) appendFileSync(join(saveDir, 'labels', `${parse(file).name}.txt`), `${text}\n`);
    t[2] += performance.now() - t0;
    print(`image ${n + 1}/${files.length} ${resolve(file)}: ${o.imgsz}x${o.imgsz} ${top5.map((p) => `${p.name} ${formatFixed(p.prob, 2)}`).join(', ')}, ${inference.toFixed(1)}ms`);
  }
  const per = t.map((x) => (x / files.length).toFixed(1));
  print(`Speed: ${per[0]}ms pre-process, ${per[1]}ms inference, ${per[2]}ms NMS per image at shape (1, 3, ${o.imgsz}, ${o.imgsz})`);
  const labels = o.saveTxt ? `\n${files.length} labels saved to ${join(saveDir, 'labels')}` : '';
  if (o.saveTxt || !o.nosave) print(`Results saved to ${saveDir}${labels}`);
  return { saveDir, predictions };
}
