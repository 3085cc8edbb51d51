// The flags of `tsyolo classify train|val|predict`: classify/train.py's, val.py's and predict.py's, with their
// defaults (the option tables the CLI registers and the library fills from).
import { DEVICE_OPTION, runFolderOptions } from '../run/common-options.ts';
import { type OptionTable, flag, fraction, integer, nonNegativeInteger, number, oneOf, positiveInteger, text } from '../run/option-table.ts';

/** The optimizers classify/train.py offers (RMSProp is not in tsyolo's optimizer set). */
export const CLASSIFY_OPTIMIZERS = ['SGD', 'Adam', 'AdamW'] as const;

/** `classify train`'s options. */
export interface ClassifyTrainOptions {
  /** A -cls YAML, a detection YAML (converted with --cutoff), or a .pt/.safetensors checkpoint. */
  model: string;
  /** Architecture for a v7.0 classifier .pt, which stores none. */
  cfg: string;
  /** Dataset folder with train/<class>/ and val/<class>/ (or test/). */
  data: string;
  /** Training epochs. */
  epochs: number;
  /** Batch size (validation uses twice this). */
  batchSize: number;
  /** Train and val image size (pixels). */
  imgsz: number;
  /** Only save the final checkpoint. */
  nosave: boolean;
  /** Device ('' picks CUDA when present). */
  device: string;
  /** Max dataloader worker threads (v7.0's; at most cpu_count − 1). */
  workers: number;
  /** Run folder parent. */
  project: string;
  /** Run folder name. */
  name: string;
  /** Reuse project/name. */
  existOk: boolean;
  /** Keep the checkpoint's weights (false: re-initialise them). */
  pretrained: boolean;
  /** Optimizer. */
  optimizer: (typeof CLASSIFY_OPTIMIZERS)[number];
  /** Initial learning rate. */
  lr0: number;
  /** Weight decay. */
  decay: number;
  /** Label smoothing ε. */
  labelSmoothing: number;
  /** Layer cutoff index for the Classify head when a detection model is converted. */
  cutoff: number | undefined;
  /** Dropout fraction of the Classify head. */
  dropout: number | undefined;
  /** Print the model. */
  verbose: boolean;
  /** Global training seed. */
  seed: number;
}

const pyBool = (raw: unknown, name: string): boolean => {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new Error(`${name} must be True or False, got '${String(raw)}'`);
};

/** classify/train.py's flags and defaults (--model defaults to the YAML: there are no downloadable weights here). */
export const CLASSIFY_TRAIN_FLAGS: OptionTable<ClassifyTrainOptions> = {
  model: { flags: '--model <path>', help: 'a -cls YAML, a detection YAML (cut at --cutoff), or a .pt/.safetensors checkpoint', default: 'yolov5s-cls.yaml', read: text },
  cfg: { flags: '--cfg <yaml>', help: 'architecture of a YOLOv5 classifier .pt (it stores none)', default: '', read: text },
  data: { flags: '--data <dir>', help: 'dataset folder: train/<class>/*.jpg and val/<class>/*.jpg', default: '', required: true, read: text },
  epochs: { flags: '--epochs <n>', help: 'total training epochs', default: 10, read: positiveInteger },
  batchSize: { flags: '--batch-size <n>', help: 'batch size', default: 64, read: positiveInteger },
  imgsz: { flags: '--imgsz, --img <size>', help: 'train, val image size (pixels)', default: 224, read: positiveInteger },
  nosave: { flags: '--nosave', help: 'only save the final checkpoint', default: false, read: flag },
  device: DEVICE_OPTION,
  workers: { flags: '--workers <n>', help: 'max dataloader worker threads', default: 8, read: nonNegativeInteger },
  ...runFolderOptions('runs/train-cls'),
  pretrained: { flags: '--pretrained [bool]', help: 'keep the weights of --model (False re-initialises them)', default: true, read: pyBool },
  optimizer: { flags: '--optimizer <name>', help: 'SGD, Adam or AdamW', default: 'Adam', read: oneOf(CLASSIFY_OPTIMIZERS) },
  lr0: { flags: '--lr0 <lr>', help: 'initial learning rate', default: 0.001, read: number },
  decay: { flags: '--decay <wd>', help: 'weight decay', default: 5e-5, read: number },
  labelSmoothing: { flags: '--label-smoothing <eps>', help: 'label smoothing epsilon', default: 0.1, read: fraction },
  cutoff: { flags: '--cutoff <i>', help: 'layer cutoff index for the Classify head (a detection model; default 10)', default: undefined, read: positiveInteger },
  dropout: { flags: '--dropout <p>', help: 'dropout fraction of the Classify head', default: undefined, read: fraction },
  verbose: { flags: '--verbose', help: 'print the model', default: false, read: flag },
  seed: { flags: '--seed <s>', help: 'global training seed', default: 0, read: integer },
};

/** `classify val`'s options. */
export interface ClassifyValOptions {
  /** Dataset folder (its test/ or val/ split is read). */
  data: string;
  /** A classifier checkpoint. */
  weights: string;
  /** Architecture for a v7.0 classifier .pt. */
  cfg: string;
  /** Batch size. */
  batchSize: number;
  /** Image size. */
  imgsz: number;
  /** Device. */
  device: string;
  /** Max dataloader worker threads. */
  workers: number;
  /** Per-class table. */
  verbose: boolean;
  /** Run folder parent. */
  project: string;
  /** Run folder name. */
  name: string;
  /** Reuse project/name. */
  existOk: boolean;
}

/** classify/val.py's flags and defaults. */
export const CLASSIFY_VAL_FLAGS: OptionTable<ClassifyValOptions> = {
  data: { flags: '--data <dir>', help: 'dataset folder (reads its test/, else val/)', default: '', required: true, read: text },
  weights: { flags: '--weights <file>', help: 'classifier checkpoint (.safetensors or .pt)', default: '', required: true, read: text },
  cfg: { flags: '--cfg <yaml>', help: 'architecture of a YOLOv5 classifier .pt (it stores none)', default: '', read: text },
  batchSize: { flags: '--batch-size <n>', help: 'batch size', default: 128, read: positiveInteger },
  imgsz: { flags: '--imgsz, --img <size>', help: 'inference size (pixels)', default: 224, read: positiveInteger },
  device: DEVICE_OPTION,
  workers: { flags: '--workers <n>', help: 'max dataloader worker threads', default: 8, read: nonNegativeInteger },
  verbose: { flags: '--verbose [bool]', help: 'per-class table', default: true, read: pyBool },
  ...runFolderOptions('runs/val-cls'),
};

/** `classify predict`'s options. */
export interface ClassifyPredictOptions {
  /** Classifier checkpoint. */
  weights: string;
  /** Architecture for a v7.0 classifier .pt. */
  cfg: string;
  /** Image file or folder. */
  source: string;
  /** Inference size. */
  imgsz: number;
  /** Device. */
  device: string;
  /** Write the top-5 to labels/<image>.txt. */
  saveTxt: boolean;
  /** Do not save the annotated images. */
  nosave: boolean;
  /** Run folder parent. */
  project: string;
  /** Run folder name. */
  name: string;
  /** Reuse project/name. */
  existOk: boolean;
}

/** classify/predict.py's flags and defaults (images and folders; no streams or videos). */
export const CLASSIFY_PREDICT_FLAGS: OptionTable<ClassifyPredictOptions> = {
  weights: { flags: '--weights <file>', help: 'classifier checkpoint (.safetensors or .pt)', default: '', required: true, read: text },
  cfg: { flags: '--cfg <yaml>', help: 'architecture of a YOLOv5 classifier .pt (it stores none)', default: '', read: text },
  source: { flags: '--source <path>', help: 'image file or folder', default: '', required: true, read: text },
  imgsz: { flags: '--imgsz, --img <size>', help: 'inference size (pixels)', default: 224, read: positiveInteger },
  device: DEVICE_OPTION,
  saveTxt: { flags: '--save-txt', help: 'save the top-5 to labels/*.txt', default: false, read: flag },
  nosave: { flags: '--nosave', help: 'do not save images', default: false, read: flag },
  ...runFolderOptions('runs/predict-cls'),
};
