// DetectionModel: a YOLOv5 detector built from a model YAML (models/yolo.py DetectionModel).
import { basename } from 'node:path';
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { Sequential } from '../nn/containers.ts';
import { Module } from '../nn/module.ts';
import { tensor, zeros } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Detect } from './modules/heads/detect.ts';
import type { ModelConfig } from './model-config.ts';
import { layerError } from './layer-error.ts';
import { type LayerInfo, parseModel } from './parse-model.ts';
import { checkModelSize } from './size-guard.ts';
import { pyStr, roundHalfEven } from '../compat/python.ts';
import { type ModelSummary, summarize } from './model-info.ts';
import { forwardAugmented } from './augmented-forward.ts';

/** Options of a DetectionModel built from a config. */
export interface DetectionModelOptions {
  /** Input channels (default: the YAML's `ch`, else 3). */
  ch?: number;
  /** Override the YAML's class count. */
  nc?: number;
  /** Override the YAML's anchors: rows of pixel sizes, or anchors per level (v7.0's hyp `anchors`, rounded). */
  anchors?: number[][] | number;
  /** Where the YAML came from (for messages and the summary name). */
  yamlFile?: string;
  /** Names the YAML in error messages when it has no file (e.g. '<ckpt> (stored model YAML)'). */
  source?: string;
  /** Called with YOLOv5's messages (nc override, …). */
  log?: (line: string) => void;
}

/** A model's mode as its type knows it: `model.eval()` gives a `DetectionModel<'eval'>`, `model.train()` a `'train'` one. */
export type ModelMode = 'train' | 'eval';

/** What `forward()` returns in a mode: the decoded (bs, rows, 5+nc) tensor in eval, the raw maps in training. */
export type ForwardOutput<Mode extends ModelMode> = Mode extends 'eval' ? Tensor : Tensor[];

/**
 * A YOLOv5 detector built from a model YAML (models/yolo.py's DetectionModel). `Mode` is the mode its type knows:
 * `loadModel(…).model.eval()` is a `DetectionModel<'eval'>`, whose `forward()` is typed as one tensor.
 */
export class DetectionModel<Mode extends ModelMode = ModelMode> extends Module {
  /** The model config (a copy, with the nc and ch overrides applied). */
  readonly yaml: ModelConfig;
  /** The YAML file it was built from, if any. */
  readonly yamlFile: string | undefined;
  /** Names the config in error messages: the YAML file, or e.g. '<ckpt> (stored model YAML)'. */
  readonly configSource: string;
  /** The layers (state_dict prefix `model.`), as YOLOv5's `model.model`. */
  readonly model: Sequential;
  /** Per layer: from, repeats, type, parameters and args (the summary table). */
  readonly layerInfo: LayerInfo[];
  /** Layers whose outputs later layers read. */
  readonly save: Set<number>;
  /** Strides of the detection levels (e.g. [8, 16, 32]). */
  stride: number[];
  /** Class names (default '0', '1', …). */
  names: string[];
  /** Input image channels. */
  inputChannels: number;

  constructor(cfg: ModelConfig, opts: DetectionModelOptions = {}) {
    super();
    this.yaml = structuredClone(cfg);
    this.yamlFile = opts.yamlFile;
    const ch = opts.ch ?? (typeof cfg.ch === 'number' ? cfg.ch : 3);
    this.inputChannels = ch;
    this.yaml.ch = ch;
    const source = opts.source ?? opts.yamlFile ?? '<model>';
    this.configSource = source;
    if (opts.nc !== undefined && !(Number.isInteger(opts.nc) && opts.nc >= 1)) {
      throw new Error(`${source}: the class count override (--nc) must be a positive integer, got ${opts.nc}`);
    }
    if (opts.nc !== undefined && opts.nc !== this.yaml.nc) {
      opts.log?.(`Overriding model.yaml nc=${this.yaml.nc} with nc=${opts.nc}`);
      this.yaml.nc = opts.nc;
    }
    if (typeof opts.anchors === 'number' && opts.anchors) {
      // v7.0's Model(anchors=hyp['anchors']): a count per level, rounded; parse_model then makes placeholder anchors
      // that AutoAnchor replaces.
      opts.log?.(`Overriding model.yaml anchors with anchors=${pyStr(opts.anchors)}`);
      this.yaml.anchors = roundHalfEven(opts.anchors);
    } else if (Array.isArray(opts.anchors)) {
      opts.log?.('Overriding model.yaml anchors with anchor values from hyp');
      this.yaml.anchors = opts.anchors.map((r) => r.map(roundHalfEven));
    }
    checkModelSize(this.yaml, ch, source);
    const parsed = parseModel(this.yaml, ch, source);
    this.model = this.registerModule('model', new Sequential(...parsed.layers));
    this.layerInfo = parsed.info;
    this.save = new Set(parsed.save);
    this.names = Array.from({ length: this.yaml.nc }, (_, i) => String(i));

    const detect = this.detect;
    // Strides from a dry run at 256×256 in training mode, as YOLOv5 does (this also nudges fresh BN statistics).
    const s = 256;
    this.stride = noGrad(() =>
      tidy(() => {
        const raw = this.forwardOnce(zeros([1, ch, s, s])) as Tensor[];
        return raw.map((x) => s / x.shape[x.ndim - 2]!);
      }),
    );
    detect.stride = this.stride;
    if (detect.checksAnchorOrderInGridUnits) {
      this.scaleAnchors(this.stride.map((st) => 1 / st));
      this.checkAnchorOrder();
    } else {
      this.checkAnchorOrder();
      this.scaleAnchors(this.stride.map((st) => 1 / st));
    }
    this.initializeBiases();
    this.initializeWeights();
  }

  /** The Detect head (the last layer). */
  get detect(): Detect {
    const last = this.model.layers[this.model.layers.length - 1];
    if (!(last instanceof Detect)) throw new Error('the last layer of a detection model must be Detect');
    return last;
  }

  /** Number of classes. */
  get nc(): number {
    return this.yaml.nc;
  }

  override get typeName(): string {
    return 'DetectionModel';
  }

  /** YOLOv5's summary name: the YAML file stem with 'yolov5' → 'YOLOv5', else 'Model'. */
  get summaryName(): string {
    return this.yamlFile ? basename(this.yamlFile).replace(/\.ya?ml$/, '').replace('yolov5', 'YOLOv5') : 'Model';
  }

  /**
   * Runs the layers; returns whatever Detect returns (raw maps in training, {pred, raw} in eval). `visit` sees each
   * layer's output as it is made (v7.0's per-layer hook point: feature maps, CAM activations); returning true takes
   * ownership of that output (it is then not disposed here).
   */
  forwardOnce(x: Tensor, visit?: (i: number, out: unknown) => boolean | void): Tensor[] | {
    /** Decoded predictions (bs, rows, 5 + nc [+ nm]) in input pixels. */
    pred: Tensor;
    /** The raw maps (bs, na, ny, nx, no) per level. */
    raw: Tensor[];
    /** Segment heads: the mask prototypes. */
    proto?: Tensor;
  } {
    const outputs: (Tensor | null)[] = [];
    let prev: Tensor = x;
    const layers = this.model.layers;
    let out: unknown = x;
    const kept = new Set<unknown>();
    for (let i = 0; i < layers.length; i++) {
      const f = this.layerInfo[i]!.f;
      // y[f] in Python: a negative index other than -1 (yolov3's -2) counts back from the end.
      const saved = (j: number) => outputs[j < 0 ? outputs.length + j : j]!;
      const input = f === -1 ? prev : typeof f === 'number' ? saved(f) : f.map((j) => (j === -1 ? prev : saved(j)));
      try {
        out = layers[i]!.forward(input);
      } catch (e) {
        throw this.layerFailure(e, i, input);
      }
      if (visit?.(i, out) === true) kept.add(out);
      // The previous output is dead once this layer has read it, unless a later layer reads it through `save`.
      if (prev !== x && prev !== out && !this.save.has(i - 1) && !kept.has(prev)) prev.dispose();
      outputs.push(this.save.has(i) ? (out as Tensor) : null);
      prev = out as Tensor;
    }
    for (const t of outputs) if (t && t !== out && !kept.has(t)) t.dispose();
    return out as Tensor[] | { pred: Tensor; raw: Tensor[]; proto?: Tensor };
  }

  /** A layer's failure with its context: file, index, module, from, input shapes (layer-error.ts). */
  private layerFailure(e: unknown, i: number, input: Tensor | Tensor[]): Error {
    const rows = [...this.yaml.backbone, ...this.yaml.head];
    const f = this.layerInfo[i]!.f;
    const absolute = (j: number) => (j === -1 ? i - 1 : j < 0 ? i + j : j);
    const sources = [f].flat().map(absolute);
    const planned = sources.map((j) => (j < 0 ? this.inputChannels : this.layerInfo[j]!.c2));
    return layerError(e, { source: this.configSource, i, module: String(rows[i]?.[2] ?? this.layerInfo[i]!.type), f, input, planned, sources, moduleAt: (j) => String(rows[j]?.[2] ?? this.layerInfo[j]!.type) });
  }

  /** Training mode: the three raw maps (bs, na, ny, nx, 5+nc). Eval mode: decoded (bs, rows, 5+nc) in input pixels. */
  forward(x: Tensor): ForwardOutput<Mode> {
    const out = this.forwardOnce(x);
    return (Array.isArray(out) ? out : out.pred) as ForwardOutput<Mode>;
  }

  /**
   * Eval mode's detections, typed as one tensor whatever the model's type says: (bs, rows, 5+nc) in input pixels.
   * `augment`: v7.0's test-time augmentation (forwardAugment).
   */
  predict(x: Tensor, o: { augment?: boolean } = {}): Tensor {
    if (this.training) throw new Error('predict() needs eval mode: call model.eval() first (training mode gives the raw maps: forward())');
    return o.augment ? this.forwardAugment(x) : (this as DetectionModel<'eval'>).forward(x);
  }

  /**
   * v7.0's augmented inference (`--augment`, Model._forward_augment): the batch at scales 1, 0.83 (mirrored) and
   * 0.67, each padded to a multiple of the largest stride, detections mapped back to `x`'s pixels, the tails
   * clipped, concatenated: (bs, rows', 5+nc) in eval mode (src/yolo/augmented-forward.ts).
   */
  forwardAugment(x: Tensor): Tensor {
    if (this.training) throw new Error('forwardAugment() needs eval mode: call model.eval() first');
    const gs = Math.trunc(Math.max(...this.stride));
    return tidy(() => forwardAugmented((xi) => (this as DetectionModel<'eval'>).forward(xi), x, gs, this.detect.nl));
  }

  /** Eval mode (PyTorch's `model.eval()`); the result's type knows it, so its `forward()` is one tensor. */
  override eval(): DetectionModel<'eval'> & this {
    return super.eval() as DetectionModel<'eval'> & this;
  }

  /** Training mode (`train(false)` is eval mode); the result's type knows which. */
  override train(mode?: true): DetectionModel<'train'> & this;
  override train(mode: false): DetectionModel<'eval'> & this;
  override train(mode?: boolean): this;
  override train(mode = true): this {
    return super.train(mode);
  }

  /** Segmentation models in eval mode: boxes + mask coefficients (bs, rows, 5 + nc + nm) and the mask prototypes. */
  forwardSegment(x: Tensor): {
    /** Boxes and mask coefficients (bs, rows, 5 + nc + nm). */
    pred: Tensor;
    /** The mask prototypes (bs, nm, h/4, w/4). */
    proto: Tensor;
  } {
    const out = this.forwardOnce(x);
    if (Array.isArray(out)) throw new Error('forwardSegment() needs eval mode');
    if (!out.proto) throw new Error('forwardSegment() needs a segmentation model (a Segment head)');
    return { pred: out.pred, proto: out.proto };
  }

  /** Eval mode, keeping the raw maps too (val.py computes val losses from them). */
  forwardWithRaw(x: Tensor): {
    /** Decoded predictions (bs, rows, 5 + nc) in input pixels. */
    pred: Tensor;
    /** The raw maps (bs, na, ny, nx, no) per level. */
    raw: Tensor[];
  } {
    const out = this.forwardOnce(x);
    if (Array.isArray(out)) throw new Error('forwardWithRaw() needs eval mode');
    return out;
  }

  // ------------------------------------------------------------ initialisation (DetectionModel.__init__)
  /** Anchors must grow with stride; flip them if the YAML lists them the other way round. */
  private checkAnchorOrder(): void {
    const d = this.detect;
    const a = d.anchors.toFloat32Array();
    const perLevel = d.na * 2;
    const meanArea = (l: number) => {
      let s = 0;
      for (let k = 0; k < d.na; k++) s += a[l * perLevel + 2 * k]! * a[l * perLevel + 2 * k + 1]!;
      return s / d.na;
    };
    const da = meanArea(d.nl - 1) - meanArea(0);
    const ds = this.stride[this.stride.length - 1]! - this.stride[0]!;
    if (da !== 0 && Math.sign(da) !== Math.sign(ds)) {
      const flipped = new Float32Array(a.length);
      for (let l = 0; l < d.nl; l++) flipped.set(a.subarray((d.nl - 1 - l) * perLevel, (d.nl - l) * perLevel), l * perLevel);
      this.setAnchors(flipped);
    }
  }

  /** Multiply each level's anchors by factors[level] (pixels ↔ grid units). */
  scaleAnchors(factors: number[]): void {
    const d = this.detect;
    const a = d.anchors.toFloat32Array();
    const perLevel = d.na * 2;
    for (let l = 0; l < d.nl; l++) for (let k = 0; k < perLevel; k++) a[l * perLevel + k]! *= factors[l]!;
    this.setAnchors(a);
  }

  /** Replace the anchors (grid units, flat nl×na×2). */
  setAnchors(values: Float32Array): void {
    const d = this.detect;
    noGrad(() =>
      tidy(() => {
        d.anchors.copy_(tensor(values, { shape: d.anchors.shape }).to(d.anchors.device));
      }),
    );
    d.resetGrids();
  }

  /** Objectness prior ≈ 8 objects per 640² image; class prior 0.6/(nc − 0.99999) (YOLOv5 _initialize_biases). */
  private initializeBiases(): void {
    const d = this.detect;
    d.priorConvs().forEach((conv, level) => {
      const s = this.stride[level]!;
      const bias = conv.bias!;
      const b = bias.toFloat32Array();
      for (let a = 0; a < d.na; a++) {
        b[a * d.no + 4]! += Math.log(8 / (640 / s) ** 2);
        for (let c = 0; c < d.nc; c++) b[a * d.no + 5 + c]! += Math.log(0.6 / (d.nc - 0.99999));
      }
      noGrad(() => tidy(() => bias.copy_(tensor(b))));
    });
  }

  /** YOLOv5 initialize_weights: BatchNorm eps 1e-3, momentum 0.03; PyTorch's default conv init kept. */
  private initializeWeights(): void {
    for (const m of this.modules()) {
      if (m instanceof BatchNorm2d) {
        m.eps = 1e-3;
        m.momentum = 0.03;
      }
    }
  }

  /** Moves every parameter and buffer to `device` ('cpu', 'cuda', 'cuda:1'). Build optimizers after this. */
  moveTo(device: string): this {
    this.toDevice(device);
    this.detect.resetGrids();
    return this;
  }

  /** YOLOv5's summary (layers, parameters, gradients, GFLOPs at imgsz); see model-info.ts for the table. */
  info(imgsz = 640): ModelSummary {
    return summarize(this, imgsz);
  }

  // ------------------------------------------------------------ fusing
  /**
   * Inference form: every module's own fuse() hook runs (Conv folds its BatchNorm as YOLOv5 does; the ShuffleNet
   * blocks fold their branches too, which YOLOv5 leaves alone). Outputs are unchanged.
   */
  override fuse(): this {
    for (const m of [...this.modules()]) if (m !== this) m.fuse?.();
    for (let i = 0; i < this.layerInfo.length; i++) this.layerInfo[i]!.np = this.model.layers[i]!.numParameters();
    return this;
  }
}
