// train.py's options: one table of flags, defaults (YOLOv5 v7.0's, except where noted) and checks, read by both
// train() and `tsyolo train`.
import { DEVICE_OPTION, WORKERS_OPTION, runFolderOptions } from '../run/common-options.ts';
import { DEFAULT_MASTER_PORT } from '../distributed/environment.ts';
import { type OptionTable, flag, fraction, integer, integerList, nonNegativeInteger, oneOf, positiveInteger, text } from '../run/option-table.ts';
import type { OptimizerName } from './optimizer.ts';

export interface TrainOptions {
  /** Dataset YAML. */
  data: string;
  /** Model YAML ('' with --weights: the checkpoint's own). */
  cfg: string;
  /** Initial weights ('' trains from scratch). */
  weights: string;
  hyp: string;
  epochs: number;
  batchSize: number;
  imgsz: number;
  /** '' (CUDA device 0 when there is one, else the CPU), 'cpu', '0', 'cuda' or 'cuda:N'. */
  device: string;
  workers: number;
  project: string;
  name: string;
  existOk: boolean;
  /** true: the newest last.safetensors under --project; a string: that checkpoint. */
  resume: boolean | string;
  cache: 'ram' | 'disk' | undefined;
  optimizer: OptimizerName;
  cosLr: boolean;
  patience: number;
  freeze: number[];
  seed: number;
  noval: boolean;
  nosave: boolean;
  noplots: boolean;
  noautoanchor: boolean;
  multiScale: boolean;
  singleCls: boolean;
  labelSmoothing: number;
  /** YOLOv5's --sync-bn (torch.nn.SyncBatchNorm, CUDA DDP only there too). */
  syncBn: boolean;
  /** Ranks to start on this machine (torchrun's --nproc-per-node); 1 with --nnodes 1 trains in this process. */
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** Seconds a rank waits for the others (joining, each collective, rank 0's validation) before giving up. */
  ddpTimeout: number;
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
  labelSmoothing: { flags: '--label-smoothing <eps>', help: 'label smoothing epsilon', default: 0.0, read: fraction },
  syncBn: { flags: '--sync-bn', help: 'SyncBatchNorm across ranks (CUDA only, as in YOLOv5)', default: false, read: flag },
  // torchrun's flags: `tsyolo train --nproc-per-node N` is `torchrun --nproc-per-node N train.py`.
  nprocPerNode: { flags: '--nproc-per-node <n>', help: 'DDP: rank processes on this machine (--batch is split across all ranks)', default: 1, read: positiveInteger },
  nnodes: { flags: '--nnodes <n>', help: 'DDP: machines taking part', default: 1, read: positiveInteger },
  nodeRank: { flags: '--node-rank <r>', help: "DDP: this machine's index, 0..nnodes-1 (0 hosts the rendezvous)", default: 0, read: nonNegativeInteger },
  masterAddr: { flags: '--master-addr <addr>', help: 'DDP: address of node 0', default: '127.0.0.1', read: text },
  masterPort: { flags: '--master-port <port>', help: 'DDP: rendezvous port on node 0', default: DEFAULT_MASTER_PORT, read: positiveInteger },
  // PyTorch's default process-group timeout (30 min); it must cover rank 0's validation, which the others wait for.
  ddpTimeout: { flags: '--ddp-timeout <s>', help: 'DDP: seconds a rank waits for the others before failing', default: 1800, read: positiveInteger },
};
