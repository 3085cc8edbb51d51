// The main job (`npm run demo`): bundled digit scenes → the seed's comparison → train a ShuffleNetV2 YOLOv5 →
// validate → detect on held-out scenes → say where everything is.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateDigits } from '../data/digits.ts';
import { detect } from '../detect/detect.ts';
import { compareModels, formatComparison } from '../ablation/compare.ts';
import { train } from '../train/trainer.ts';
import { libtorchBackend } from '../deploy/libtorch-backend.ts';
import { val } from '../val/val.ts';
import { loadModel } from '../yolo/load-model.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

export interface DemoOptions {
  /** Where runs go (train, val, detect sub-folders). */
  project: string;
  /** Where the generated dataset lives (reused when it exists with the same settings). */
  data: string;
  cfg: string;
  trainImages: number;
  valImages: number;
  img: number;
  epochs: number;
  batch: number;
  workers: number;
  /** Held-out scenes to run detect on. */
  detectImages: number;
  print: (s: string) => void;
}

export interface DemoResult {
  trainDir: string;
  best: string;
  resultsPng: string;
  detectDir: string;
  mAP50: number;
  mAP50_95: number;
  seconds: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const p = o.print;
  const t0 = performance.now();
  const section = (title: string) => p(`\n━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}`);

  section('1/5 Data: MNIST digit scenes (bundled, no download)');
  const data = await generateDigits({ out: o.data, train: o.trainImages, val: o.valImages, img: o.img, seed: 0, log: p });

  section("2/5 The seed's comparison: YOLOv5 vs its ShuffleNetV2 backbone (GFLOPs at 640)");
  p(formatComparison(await compareModels(['yolov5l.yaml', 'yolov5l-shufflenetv2.yaml'], { img: 640 }), 640));
  p('');
  p(formatComparison(await compareModels(['yolov5s.yaml', 'yolov5s-shufflenetv2.yaml', 'yolov5n.yaml', 'yolov5n-shufflenetv2.yaml'], { img: 640 }), 640));

  section(`3/5 Training ${o.cfg} on ${o.trainImages} scenes, ${o.epochs} epochs at ${o.img}px`);
  const trained = await train({
    data: data.yamlPath,
    cfg: o.cfg,
    hyp: 'hyp.digits.yaml',
    epochs: o.epochs,
    batchSize: o.batch,
    imgsz: o.img,
    workers: o.workers,
    cache: 'ram',
    project: resolve(o.project),
    name: 'train',
    seed: 0,
    log: p,
  });

  section('4/5 Validating the best weights on the held-out scenes');
  const { model } = loadModel(trained.best);
  model.fuse().eval();
  const metrics = await val({
    data: data.yamlPath,
    model: libtorchBackend(model),
    weightsFile: trained.best,
    imgsz: o.img,
    batchSize: o.batch * 2,
    workers: o.workers,
    project: resolve(o.project),
    name: 'val',
    log: p,
  });

  section(`5/5 Detecting digits in ${o.detectImages} held-out scenes`);
  const valImages = join(o.data, 'images', 'val');
  const picks = readdirSync(valImages).sort().slice(0, o.detectImages).map((f) => join(valImages, f));
  const listFile = join(trained.saveDir, 'detect-sources.txt');
  writeFileAtomic(listFile, picks.join('\n') + '\n');
  const detected = await detect(libtorchBackend(model), { source: listFile, imgsz: o.img, saveTxt: true, saveConf: true, lineThickness: 1, project: resolve(o.project), name: 'detect', log: p });
  model.dispose();

  const seconds = (performance.now() - t0) / 1000;
  const result: DemoResult = {
    trainDir: trained.saveDir,
    best: trained.best,
    resultsPng: join(trained.saveDir, 'results.png'),
    detectDir: detected.saveDir,
    mAP50: metrics.mAP50,
    mAP50_95: metrics.mAP50_95,
    seconds,
  };
  section('Done');
  p(`run dir:        ${result.trainDir}`);
  p(`best weights:   ${result.best}`);
  p(`results.png:    ${result.resultsPng}`);
  p(`validation:     ${metrics.saveDir}`);
  p(`detections:     ${result.detectDir}`);
  p(`final mAP50 ${result.mAP50.toFixed(3)}  mAP50-95 ${result.mAP50_95.toFixed(3)}  (${(seconds / 60).toFixed(1)} min)`);
  return result;
}
