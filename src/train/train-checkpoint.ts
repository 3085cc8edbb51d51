// Training checkpoints (weights/last.safetensors, best.safetensors). The main tensors are the EMA weights — what
// inference loads, as YOLOv5's attempt_load prefers `ema` — and `_train.*` entries carry what --resume needs: the
// raw model, the optimizer's buffers. Written atomically (temp file + rename), so a kill -9 never leaves half a file.
import type { HostTensor } from '../io/host-tensor.ts';
import { isJsonObject, metadataJson, readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { fromHost } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { GradScalerState } from './grad-scaler.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';

export const TRAIN_STATE_PREFIX = '_train.';

export interface TrainState {
  epoch: number;
  bestFitness: number;
  /** EarlyStopping's best epoch. */
  bestEpoch: number;
  emaUpdates: number;
  /** The iteration of the last optimizer step (gradient accumulation continues from it on --resume). */
  lastOptStep: number;
  /** The GradScaler's state_dict ({} when AMP is off or needs no scaler). */
  scaler?: Partial<GradScalerState>;
  /** The run's options and hyperparameters (opt.yaml, hyp.yaml as JSON). */
  opt: Record<string, unknown>;
  hyp: Record<string, unknown>;
}

function hostStateDict(model: DetectionModel, prefix = ''): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  tidy(() => {
    for (const [k, t] of model.stateDict()) out.set(prefix + k, t.detach().toHost());
  });
  return out;
}

export function saveTrainCheckpoint(
  file: string,
  parts: { model: DetectionModel; ema: DetectionModel; optimizerState?: Map<string, HostTensor>; state: TrainState; final?: boolean },
): void {
  const tensors = hostStateDict(parts.ema);
  if (!parts.final) {
    for (const [k, v] of hostStateDict(parts.model, `${TRAIN_STATE_PREFIX}model.`)) tensors.set(k, v);
    for (const [k, v] of parts.optimizerState ?? []) tensors.set(`${TRAIN_STATE_PREFIX}optim.${k}`, v);
  }
  const metadata: Record<string, string> = {
    format: 'tsyolo',
    yaml: JSON.stringify(parts.ema.yaml),
    names: JSON.stringify(parts.ema.names),
    nc: String(parts.ema.nc),
    stride: JSON.stringify(parts.ema.stride),
    epoch: String(parts.final ? -1 : parts.state.epoch),
    best_fitness: String(parts.state.bestFitness),
    ema_updates: String(parts.state.emaUpdates),
    best_epoch: String(parts.state.bestEpoch),
    last_opt_step: String(parts.state.lastOptStep),
    scaler: JSON.stringify(parts.state.scaler ?? {}),
    opt: JSON.stringify(parts.state.opt),
    hyp: JSON.stringify(parts.state.hyp),
    date: new Date().toISOString(),
  };
  writeSafetensors(file, tensors, metadata);
}

export interface ResumeData {
  state: TrainState;
  model: Map<string, HostTensor>;
  ema: Map<string, HostTensor>;
  optimizer: Map<string, HostTensor>;
}

export function readTrainCheckpoint(file: string): ResumeData {
  const st = readSafetensors(file);
  const { tensors, metadata } = st;
  if (metadata.epoch === undefined || metadata.opt === undefined) throw new Error(`${file} is not a tsyolo training checkpoint (no training state)`);
  if (Number(metadata.epoch) < 0) throw new Error(`${file} is from a finished training run (nothing to resume)`);
  const model = new Map<string, HostTensor>();
  const ema = new Map<string, HostTensor>();
  const optimizer = new Map<string, HostTensor>();
  for (const [k, v] of tensors) {
    if (k.startsWith(`${TRAIN_STATE_PREFIX}model.`)) model.set(k.slice(`${TRAIN_STATE_PREFIX}model.`.length), v);
    else if (k.startsWith(`${TRAIN_STATE_PREFIX}optim.`)) optimizer.set(k.slice(`${TRAIN_STATE_PREFIX}optim.`.length), v);
    else ema.set(k, v);
  }
  return {
    state: {
      epoch: Number(metadata.epoch),
      bestFitness: Number(metadata.best_fitness ?? 0),
      emaUpdates: Number(metadata.ema_updates ?? 0),
      bestEpoch: Number(metadata.best_epoch ?? 0),
      // Checkpoints from before this was saved: train.py's restart value.
      lastOptStep: Number(metadata.last_opt_step ?? -1),
      scaler: metadataJson(st, 'scaler', file, isJsonObject, 'a JSON object') ?? {},
      opt: metadataJson(st, 'opt', file, isJsonObject, 'a JSON object')!,
      hyp: metadataJson(st, 'hyp', file, isJsonObject, 'a JSON object') ?? {},
    },
    model,
    ema,
    optimizer,
  };
}

/** Copies host weights into a model (by state_dict key; shapes must match). */
export function loadHostWeights(model: DetectionModel, weights: Map<string, HostTensor>, file: string): void {
  noGrad(() =>
    tidy(() => {
      const map = new Map([...weights].map(([k, v]) => [k, fromHost(v)]));
      try {
        model.loadStateDict(map, true);
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
      }
    }),
  );
  model.detect.resetGrids();
}

/** Rewrites a training checkpoint without its resume state (YOLOv5's strip_optimizer). */
export function stripTrainState(file: string): void {
  const { tensors, metadata } = readSafetensors(file);
  const kept = new Map([...tensors].filter(([k]) => !k.startsWith(TRAIN_STATE_PREFIX)));
  writeSafetensors(file, kept, { ...metadata, epoch: '-1' });
}
