// Command-line entry: parses flags like YOLOv5's scripts and reports errors as one clear line with exit code 1.
// Each command's implementation is imported when that command runs, so `--help` and `--version` load neither
// libtorch nor the image libraries.
import { Command, InvalidArgumentError } from 'commander';
import { packageVersion } from './version.ts';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

export function buildProgram(print: (s: string) => void): Command {
  const program = new Command('tsyolo').description('YOLOv5 object detection in TypeScript (libtorch engine)').version(packageVersion()).exitOverride();
  program
    .command('info')
    .description("print YOLOv5's layer table and summary for a model YAML or a checkpoint")
    .option('--cfg <yaml>', 'model YAML: a shipped name (yolov5s-shufflenetv2.yaml) or a path')
    .option('--weights <file>', 'a .pt or .safetensors checkpoint')
    .option('--img, --imgsz <size>', 'image size for GFLOPs', int('--img'), 640)
    .option('--nc <n>', 'override the number of classes', int('--nc'))
    .option('--fuse', 'fold Conv+BN pairs, then summarise again')
    .option('--json', 'print {"layers","parameters","gradients","gflops"} only')
    .action(async (o) => (await import('./info.ts')).runInfo({ cfg: o.cfg, weights: o.weights, img: o.imgsz, nc: o.nc, fuse: o.fuse, json: o.json }, print));
  program
    .command('compare')
    .description('ablation table: layers, parameters, GFLOPs (and latency with --speed) of model YAMLs or checkpoints, change against the first; writes compare.md, compare.csv, compare.png')
    .argument('<models...>', 'model YAMLs (shipped names or paths) or checkpoints (.pt, .safetensors)')
    .option('--img, --imgsz <size>', 'image size for GFLOPs and latency', int('--img'), 640)
    .option('--speed', 'median latency per image: fused libtorch eval and onnxruntime-node, batch 1, after 3 warm-up runs')
    .option('--data <yaml>', "dataset YAML: each checkpoint's mAP50 and mAP50-95 on its val split")
    .option('--project <dir>', 'where the table goes', 'runs/compare')
    .option('--name <name>', 'run folder name', 'exp')
    .option('--exist-ok', 'reuse an existing run folder')
    .action(async (models: string[], o) =>
      (await import('./compare.ts')).runCompare(models, { img: o.imgsz, speed: o.speed, data: o.data, project: o.project, name: o.name, existOk: o.existOk }, print),
    );
  program
    .command('modules')
    .description('every block a model YAML may name: YAML name, args, channel rule, origin')
    .option('--json', 'print the rows as JSON (with the printed Python type and the purpose)')
    .option('--markdown', 'print docs/MODULES.md')
    .action(async (o) => {
      const { formatModulesMarkdown, formatModuleTable, moduleRows } = await import('./modules.ts');
      print(o.json ? JSON.stringify(moduleRows(), null, 1) : o.markdown ? formatModulesMarkdown() : formatModuleTable());
    });
  program
    .command('data')
    .description('bundled datasets')
    .command('digits')
    .description('write a YOLO-format detection set of MNIST digit scenes (no download) and its data.yaml')
    .requiredOption('--out <dir>', 'output folder')
    .option('--train <n>', 'training images', int('--train'), 800)
    .option('--val <n>', 'validation images', int('--val'), 200)
    .option('--img <size>', 'image size', int('--img'), 320)
    .option('--seed <s>', 'random seed', int('--seed'), 0)
    .action(async (o) => {
      const { generateDigits } = await import('../data/digits.ts');
      const r = await generateDigits({ out: o.out, train: o.train, val: o.val, img: o.img, seed: o.seed, log: print });
      print(`dataset written: ${r.yamlPath}`);
    });
  program
    .command('demo')
    .description('the main job: digit scenes → comparison → train a ShuffleNetV2 YOLOv5 → val → detect')
    .option('--project <dir>', 'where the runs go', 'runs/demo')
    .option('--data <dir>', 'where the digit scenes are generated (reused when present)', 'datasets/digits')
    .option('--cfg <yaml>', 'model to train', 'yolov5n-shufflenetv2.yaml')
    .option('--train <n>', 'training scenes', int('--train'), 1000)
    .option('--val <n>', 'held-out scenes', int('--val'), 200)
    .option('--img <size>', 'image size', int('--img'), 192)
    .option('--epochs <n>', 'epochs', int('--epochs'), 30)
    .option('--batch <n>', 'batch size', int('--batch'), 32)
    .option('--workers <n>', 'loader worker threads', int('--workers'), 2)
    .option('--detect-images <n>', 'held-out scenes to run detect on', int('--detect-images'), 8)
    .action(async (o) => {
      const { runDemo } = await import('../demo/demo.ts');
      await runDemo({ project: o.project, data: o.data, cfg: o.cfg, trainImages: o.train, valImages: o.val, img: o.img, epochs: o.epochs, batch: o.batch, workers: o.workers, detectImages: o.detectImages, print });
    });
  program
    .command('train')
    .description('train a detector (train.py): runs/train/exp{N} with weights, results.csv, plots')
    .option('--data <yaml>', 'dataset YAML')
    .option('--cfg <yaml>', 'model YAML (shipped name or path)')
    .option('--weights <file>', 'initial weights (.pt or .safetensors); empty to train from scratch', '')
    .option('--hyp <yaml>', 'hyperparameters', 'hyp.scratch-low.yaml')
    .option('--epochs <n>', 'epochs', int('--epochs'), 100)
    .option('--batch, --batch-size <n>', 'batch size', int('--batch'), 16)
    .option('--img, --imgsz <size>', 'train/val image size', int('--img'), 640)
    .option('--device <d>', "'cpu' or 'cuda[:n]'", 'cpu')
    .option('--workers <n>', 'loader worker threads', int('--workers'), 2)
    .option('--project <dir>', 'results folder', 'runs/train')
    .option('--name <name>', 'run name', 'exp')
    .option('--exist-ok', 'reuse project/name instead of incrementing')
    .option('--resume [last]', 'resume the newest run, or the given last.safetensors')
    .option('--cache [ram]', 'keep decoded images in RAM')
    .option('--optimizer <name>', 'SGD, Adam or AdamW', 'SGD')
    .option('--cos-lr', 'cosine LR schedule')
    .option('--patience <n>', 'early-stopping patience (epochs without improvement)', int('--patience'), 100)
    .option('--freeze <layers...>', 'freeze the first N layers, or the listed layer indices')
    .option('--seed <s>', 'global seed', int('--seed'), 0)
    .option('--noval', 'validate only the final epoch')
    .option('--nosave', 'save only the final checkpoint')
    .option('--noplots', 'no plots')
    .option('--noautoanchor', 'skip AutoAnchor')
    .option('--multi-scale', 'vary image size ±50%')
    .option('--single-cls', 'train as a single class')
    .option('--label-smoothing <eps>', 'label smoothing epsilon', Number, 0)
    .action((o) => {
      if (!o.resume && !o.data) throw new Error('train needs --data (a dataset YAML)');
      return import('./train.ts').then(({ runTrain }) => runTrain(o, print));
    });
  program
    .command('val')
    .description('mAP of weights on a dataset split (val.py)')
    .requiredOption('--weights <file>', 'a .pt, .safetensors or exported .onnx model')
    .requiredOption('--data <yaml>', 'dataset YAML')
    .option('--img, --imgsz <size>', 'inference size', int('--img'), 640)
    .option('--batch, --batch-size <n>', 'batch size', int('--batch'), 32)
    .option('--conf-thres <c>', 'confidence threshold', Number, 0.001)
    .option('--iou-thres <t>', 'NMS IoU threshold', Number, 0.6)
    .option('--max-det <n>', 'maximum detections per image', int('--max-det'), 300)
    .option('--task <task>', 'val, test or train split', 'val')
    .option('--device <d>', "'cpu' or 'cuda[:n]'", 'cpu')
    .option('--workers <n>', 'loader worker threads', int('--workers'), 2)
    .option('--single-cls', 'treat the dataset as one class')
    .option('--verbose', 'per-class rows')
    .option('--save-txt', 'save labels/<image>.txt')
    .option('--save-conf', 'add confidences to --save-txt labels')
    .option('--save-json', 'save COCO-style detections JSON')
    .option('--project <dir>', 'results folder', 'runs/val')
    .option('--name <name>', 'run name', 'exp')
    .option('--exist-ok', 'reuse project/name instead of incrementing')
    .option('--json', 'print the metrics as JSON only')
    .action((o) => {
      if (!['val', 'test', 'train'].includes(o.task)) throw new Error(`--task must be val, test or train, got '${o.task}'`);
      return import('./val.ts').then(({ runVal }) => runVal(o, print));
    });
  program
    .command('detect')
    .description('run a detector on images and videos: annotated images/videos, YOLO-format labels, crops (detect.py)')
    .requiredOption('--weights <file>', 'a .pt, .safetensors or exported .onnx model (or a model YAML for an untrained model)')
    .requiredOption('--source <path>', 'image or video file, folder, glob or .txt list of images')
    .option('--img, --imgsz <size>', 'inference size', int('--img'), 640)
    .option('--conf-thres <c>', 'confidence threshold', Number, 0.25)
    .option('--iou-thres <t>', 'NMS IoU threshold', Number, 0.45)
    .option('--max-det <n>', 'maximum detections per image', int('--max-det'), 1000)
    .option('--classes <c...>', 'keep only these class ids')
    .option('--agnostic-nms', 'class-agnostic NMS')
    .option('--save-txt', 'save labels/<image>.txt')
    .option('--save-conf', 'add confidences to --save-txt labels')
    .option('--save-crop', 'save crops/<class>/<image>.jpg')
    .option('--nosave', 'do not save annotated images')
    .option('--line-thickness <px>', 'box line width', int('--line-thickness'), 3)
    .option('--hide-labels', 'draw boxes without labels')
    .option('--hide-conf', 'labels without confidences')
    .option('--device <d>', "'cpu' or 'cuda[:n]'", 'cpu')
    .option('--project <dir>', 'results folder', 'runs/detect')
    .option('--name <name>', 'run name', 'exp')
    .option('--exist-ok', 'reuse project/name instead of incrementing')
    .option('--vid-stride <n>', 'video frame-rate stride', int('--vid-stride'), 1)
    .action(async (o) => (await import('./detect.ts')).runDetect(o, print));
  program
    .command('export')
    .description('export weights to ONNX beside them (export.py --include onnx): fused, decoded output0, stride/names metadata')
    .requiredOption('--weights <file>', 'a .pt or .safetensors checkpoint')
    .option('--include <formats...>', 'formats to export (onnx)', ['onnx'])
    .option('--img, --imgsz <size...>', 'image size: h w, or one number for square', (v: string, prev: number[] | undefined) => [...(prev ?? []), int('--img')(v)])
    .option('--batch, --batch-size <n>', 'batch size of the exported input', int('--batch'), 1)
    .option('--opset <n>', 'ONNX opset version (12 to 17)', int('--opset'), 17)
    .option('--dynamic', 'dynamic batch, height and width')
    .option('--half', 'store weights as float16 (input, output and compute stay float32)')
    .action(async (o) => {
      const { runExport } = await import('./export.ts');
      await runExport({ weights: o.weights, include: o.include, imgsz: o.imgsz, batch: o.batchSize, opset: o.opset, dynamic: o.dynamic, half: o.half }, print);
    });
  return program;
}

export async function main(argv: string[], print: (s: string) => void = (s) => console.log(s)): Promise<number> {
  const program = buildProgram(print);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 1; // commander already printed the message
    console.error(`tsyolo: error: ${err.message}`);
    return 1;
  }
}
