// train.py's options: one table of flags, defaults (YOLOv5 v7.0's, except where noted) and checks, read by both
// train() and `tsyolo train`.
import { DEVICE_OPTION, WORKERS_OPTION, runFolderOptions } from '../run/common-options.ts';
import { DEFAULT_MASTER_PORT } from '../distributed/environment.ts';
import { type OptionTable, flag, fraction, integer, integerList, nonNegativeInteger, oneOf, positiveInteger, text } from '../run/option-table.ts';
import type { OptimizerName } from './optimizer.ts';
import type { AmpSetting } from './amp.ts';
import { IOU_LOSS_NAMES, type IouLossName } from '../data/hyp.ts';

/** train.py's options (YOLOv5 v7.0's defaults unless noted: TRAIN_OPTIONS has each one's flag, default and check). */
export interface TrainOptions {
  /** Dataset YAML. */
  data: string;
  /** Model YAML ('' with --weights: the checkpoint's own). */
  cfg: string;
  /** Initial weights ('' trains from scratch). */
  weights: string;
  /** Hyperparameter YAML (default hyp.scratch-low.yaml). */
  hyp: string;
  /** Epochs to train (default 100). */
  epochs: number;
  /** Total batch size, split across DDP ranks (default 16). */
  batchSize: number;
  /** Train and val image size in pixels (default 640). */
  imgsz: number;
  /** '' (CUDA device 0 when there is one, else the CPU), 'cpu', '0', 'cuda' or 'cuda:N'. */
  device: string;
  /** Data loader worker threads (0: load in this thread). */
  workers: number;
  /** Parent folder of the run folders (default runs/train). */
  project: string;
  /** Run folder name (default exp, then exp2, exp3, …). */
  name: string;
  /** Reuse an existing run folder instead of incrementing. */
  existOk: boolean;
  /** true: the newest last.safetensors under --project; a string: that checkpoint. */
  resume: boolean | string;
  /** Cache images in RAM, or as .npy files on disk. */
  cache: 'ram' | 'disk' | undefined;
  /** SGD (default), Adam or AdamW. */
  optimizer: OptimizerName;
  /** Cosine learning-rate schedule instead of linear. */
  cosLr: boolean;
  /** Early stopping after this many epochs without improvement (default 100). */
  patience: number;
  /** Freeze the first N layers ([N]) or the listed layer indices (default [0]: none). */
  freeze: number[];
  /** Global seed (default 0). */
  seed: number;
  /** Validate only the final epoch. */
  noval: boolean;
  /** Save only the final checkpoint. */
  nosave: boolean;
  /** No plots (labels, batches, results, curves). */
  noplots: boolean;
  /** Skip AutoAnchor. */
  noautoanchor: boolean;
  /** Vary the image size ±50% per batch. */
  multiScale: boolean;
  /** Train every class as one. */
  singleCls: boolean;
  /** Draw each epoch's images weighted by their classes' weights and last mAPs (single process only, as v7.0). */
  imageWeights: boolean;
  /** The quad collate: every 4 images of a batch into one of twice the size (loss ×4). */
  quad: boolean;
  /** Label smoothing epsilon (default 0). */
  labelSmoothing: number;
  /** The box loss, overriding the hyp file's iou_loss (undefined: the hyp file's, ciou by default). */
  iouLoss: IouLossName | undefined;
  /** YOLOv5's --sync-bn (torch.nn.SyncBatchNorm; v7.0 converts under CUDA DDP only, tsyolo on the CPU too). */
  syncBn: boolean;
  /** Ranks to start on this machine (torchrun's --nproc-per-node); 1 with --nnodes 1 trains in this process. */
  nprocPerNode: number;
  /** DDP: machines taking part (default 1). */
  nnodes: number;
  /** DDP: this machine's index (0 hosts the rendezvous). */
  nodeRank: number;
  /** DDP: address of node 0 (default 127.0.0.1). */
  masterAddr: string;
  /** DDP: rendezvous port on node 0 (default 29500). */
  masterPort: number;
  /** Seconds a rank waits for the others (joining, each collective, rank 0's validation) before giving up. */
  ddpTimeout: number;
  /** TensorBoard event files in the run folder, as YOLOv5 logs them (default true; `--tensorboard false`: none). */
  tensorboard: boolean;
  /** Hyperparameter evolution for this many generations (`--evolve` alone: 300); undefined trains once. */
  evolve: number | undefined;
  /** Mixed precision: 'auto' (CUDA float16 after check_amp, as v7.0; see docs/training.md for the CPU), true, false. */
  amp: AmpSetting;
}

/** A switch that also takes a value: bare or 'true' → true, 'false' → false (`--tensorboard false`). */
function onOff(raw: unknown, name: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (typeof raw !== 'boolean') throw new Error(`${name} takes true or false, got '${String(raw)}'`);
  return raw;
}

/** --amp: bare or 'true' → on, 'false' → off, 'auto' (the default) → v7.0's choice per device. */
function amp(raw: unknown, name: string): AmpSetting {
  return raw === 'auto' ? 'auto' : onOff(raw, name);
}

/** --evolve [N]: alone 300 generations (v7.0's const), else a positive count. */
function evolveGenerations(raw: unknown, name: string): number {
  if (raw === true) return 300;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a number of generations ≥ 1 (alone: 300), got '${String(raw)}'`);
  return n;
}

/** YOLOv5's --cache: alone means ram; 'disk' writes a .npy beside each image. */
function cache(raw: unknown, name: string): 'ram' | 'disk' | undefined {
  if (raw === true || raw === 'ram') return 'ram';
  if (raw === 'disk') return 'disk';
  if (raw === false) return undefined;
  throw new Error(`${name} takes 'ram' or 'disk', got '${String(raw)}'`);
}

function resume(raw: unknown, name: string): boolean | string {
  return typeof raw === 'boolean' ? raw : text(raw, name);
}

function freeze(raw: unknown, name: string): number[] {
  try {
    return integerList(raw, name);
  } catch {
    throw new Error(`${name} takes layer counts or indices, got '${String(raw)}'`);
  }
}

/** train.py's options as a table: flags, help, defaults and checks, read by both train() and `tsyolo train`. */
export const TRAIN_OPTIONS: OptionTable<TrainOptions> = {
  data: { flags: '--data <yaml>', help: 'dataset YAML', default: '', read: text },
  cfg: { flags: '--cfg <yaml>', help: 'model YAML (shipped name or path)', default: '', read: text },
  // YOLOv5 defaults to yolov5s.pt, which it downloads; tsyolo never downloads, so scratch is the default.
  weights: { flags: '--weights <file>', help: 'initial weights (.pt or .safetensors); empty to train from scratch', default: '', read: text },
  hyp: { flags: '--hyp <yaml>', help: 'hyperparameters', default: 'hyp.scratch-low.yaml', read: text },
  epochs: { flags: '--epochs <n>', help: 'epochs', default: 100, read: positiveInteger },
  batchSize: { flags: '--batch, --batch-size <n>', help: 'batch size', default: 16, read: positiveInteger },
  imgsz: { flags: '--img, --imgsz <size>', help: 'train/val image size (pixels)', default: 640, read: positiveInteger },
  device: DEVICE_OPTION,
  workers: WORKERS_OPTION,
  ...runFolderOptions('runs/train'),
  resume: { flags: '--resume [last]', help: 'resume the newest run, or the given last.safetensors', default: false, read: resume },
  cache: { flags: '--cache [ram|disk]', help: "cache images: 'ram' (alone: ram) or 'disk' (a .npy beside each image)", default: undefined, read: cache },
  optimizer: { flags: '--optimizer <name>', help: 'SGD, Adam or AdamW', default: 'SGD', read: oneOf<OptimizerName>(['SGD', 'Adam', 'AdamW']) },
  cosLr: { flags: '--cos-lr', help: 'cosine LR schedule', default: false, read: flag },
  patience: { flags: '--patience <n>', help: 'early-stopping patience (epochs without improvement)', default: 100, read: nonNegativeInteger },
  freeze: { flags: '--freeze <layers...>', help: 'freeze the first N layers, or the listed layer indices', default: [0], read: freeze },
  seed: { flags: '--seed <s>', help: 'global seed', default: 0, read: integer },
  noval: { flags: '--noval', help: 'validate only the final epoch', default: false, read: flag },
  nosave: { flags: '--nosave', help: 'save only the final checkpoint', default: false, read: flag },
  noplots: { flags: '--noplots', help: 'no plots', default: false, read: flag },
  noautoanchor: { flags: '--noautoanchor', help: 'skip AutoAnchor', default: false, read: flag },
  multiScale: { flags: '--multi-scale', help: 'vary image size ±50%', default: false, read: flag },
  singleCls: { flags: '--single-cls', help: 'train as a single class', default: false, read: flag },
  imageWeights: { flags: '--image-weights', help: 'use weighted image selection for training', default: false, read: flag },
  quad: { flags: '--quad', help: 'quad dataloader', default: false, read: flag },
  labelSmoothing: { flags: '--label-smoothing <eps>', help: 'label smoothing epsilon', default: 0.0, read: fraction },
  iouLoss: { flags: '--iou-loss <name>', help: `box loss: ${IOU_LOSS_NAMES.join(', ')} (default: the hyp file's iou_loss, ciou)`, default: undefined, read: oneOf(IOU_LOSS_NAMES) },
  syncBn: { flags: '--sync-bn', help: 'SyncBatchNorm across DDP ranks (YOLOv5: CUDA only; here also on the CPU over Gloo)', default: false, read: flag },
  // torchrun's flags: `tsyolo train --nproc-per-node N` is `torchrun --nproc-per-node N train.py`.
  nprocPerNode: { flags: '--nproc-per-node <n>', help: 'DDP: rank processes on this machine (--batch is split across all ranks)', default: 1, read: positiveInteger },
  nnodes: { flags: '--nnodes <n>', help: 'DDP: machines taking part', default: 1, read: positiveInteger },
  nodeRank: { flags: '--node-rank <r>', help: "DDP: this machine's index, 0..nnodes-1 (0 hosts the rendezvous)", default: 0, read: nonNegativeInteger },
  masterAddr: { flags: '--master-addr <addr>', help: 'DDP: address of node 0', default: '127.0.0.1', read: text },
  masterPort: { flags: '--master-port <port>', help: 'DDP: rendezvous port on node 0', default: DEFAULT_MASTER_PORT, read: positiveInteger },
  // PyTorch's default process-group timeout (30 min); it must cover rank 0's validation, which the others wait for.
  ddpTimeout: { flags: '--ddp-timeout <s>', help: 'DDP: seconds a rank waits for the others before failing', default: 1800, read: positiveInteger },
  amp: { flags: '--amp [mode]', help: "mixed precision: auto (CUDA float16 after check_amp, as YOLOv5; bfloat16 on CPUs where it pays), true or false", default: 'auto', read: amp },
  tensorboard: { flags: '--tensorboard [bool]', help: "TensorBoard event files in the run folder ('--tensorboard false': none)", default: true, read: onOff },
  evolve: { flags: '--evolve [generations]', help: 'evolve hyperparameters for N generations (alone: 300) into runs/evolve/exp; --resume continues its evolve.csv', default: undefined, read: evolveGenerations },
};
