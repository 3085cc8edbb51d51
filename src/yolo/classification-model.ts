// ClassificationModel: YOLOv5 v7.0's classifier (models/yolo.py ClassificationModel) — a backbone whose last layer is
// Classify. Built from a -cls YAML (what v7.0's _from_yaml leaves as a stub: tsyolo's configs are the YAML form of
// v7.0's cutoff models) or from a detection model cut at `cutoff` (_from_detection_model). state_dict keys
// `model.N.…` as v7.0's; the layers are built by the shared parse_model.
import { basename } from 'node:path';
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { Sequential } from '../nn/containers.ts';
import { Module } from '../nn/module.ts';
import { zeros } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { ConfigMap, describe, readConfigFile } from '../io/config-file.ts';
import type { DetectionModel } from './detection-model.ts';
import type { LayerRow, ModelConfig } from './model-config.ts';
import { resolveConfigPath } from './model-config.ts';
import { Classify } from './modules/heads/classify.ts';
import { type LayerInfo, parseModel } from './parse-model.ts';
import { type ModelSummary, summarize } from './model-info.ts';
import { checkModelSize } from './size-guard.ts';

/** A classifier config: a detection YAML's keys without anchors, the last row `[f, 1, Classify, [nc]]`. */
export interface ClassifierConfig {
  /** Number of classes. */
  nc: number;
  /** Repeats scale. */
  depth_multiple: number;
  /** Channels scale. */
  width_multiple: number;
  /** Backbone rows. */
  backbone: LayerRow[];
  /** Head rows (the last is Classify). */
  head: LayerRow[];
  /** Input channels (default 3). */
  ch?: number;
  /** The Conv activation, e.g. 'nn.ReLU()'. */
  activation?: string;
  /** The class count parse_model's width rule leaves unscaled (v7.0: the detection model's na·(nc+5)); absent: none. */
  detect_outputs?: number;
  [key: string]: unknown;
}

/** Options of a ClassificationModel built from a config. */
export interface ClassificationModelOptions {
  /** Where the YAML came from (summary name, messages). */
  yamlFile?: string;
  /** Names the config in error messages. */
  source?: string;
  /** Override the config's class count. */
  nc?: number;
  /** Receives messages (nc override). */
  log?: (line: string) => void;
}

/** True when a parsed model YAML is a classifier (its last row is Classify). */
export function isClassifierConfig(doc: unknown): boolean {
  if (!doc || typeof doc !== 'object') return false;
  const d = doc as { backbone?: unknown; head?: unknown };
  const rows = [...(Array.isArray(d.backbone) ? d.backbone : []), ...(Array.isArray(d.head) ? d.head : [])];
  const last = rows[rows.length - 1] as unknown[] | undefined;
  return Array.isArray(last) && last[2] === 'Classify';
}

const EXPECTED = 'a classifier config with nc, depth_multiple, width_multiple, backbone, head (last row Classify)';

/** Checks a classifier config already parsed; errors name `source` and the key. */
export function validateClassifierConfig(doc: unknown, source: string): ClassifierConfig {
  const cfg = ConfigMap.of(doc, source, EXPECTED);
  cfg.number('nc', { integer: true, min: 1 });
  cfg.number('depth_multiple', { above: 0 });
  cfg.number('width_multiple', { above: 0 });
  cfg.optionalString('activation');
  for (const part of ['backbone', 'head']) {
    const rows = cfg.values[part];
    if (!Array.isArray(rows)) throw cfg.error(part, `must be a list of [from, number, module, args] rows, got ${describe(rows)}`);
    rows.forEach((row, k) => {
      if (!Array.isArray(row) || row.length !== 4 || typeof row[2] !== 'string' || !Array.isArray(row[3])) {
        throw new Error(`${source}: ${part} row ${k} must be [from, number, module, args], got ${JSON.stringify(row)}`);
      }
    });
  }
  if (!isClassifierConfig(cfg.values)) throw new Error(`${source}: the last row must be Classify ([-1, 1, Classify, [nc]]) for a classification model`);
  return cfg.values as unknown as ClassifierConfig;
}

/** Reads a -cls YAML: a path or a shipped name (yolov5s-cls.yaml). */
export function loadClassifierConfig(nameOrPath: string): {
  /** The parsed config. */
  config: ClassifierConfig;
  /** The YAML file it came from. */
  file: string;
} {
  const file = resolveConfigPath(nameOrPath);
  return { config: validateClassifierConfig(readConfigFile(file, EXPECTED).values, file), file };
}

/** parse_model's view of a classifier config: no Detect, so `no` is the stored detection count or none. */
function asModelConfig(cfg: ClassifierConfig): ModelConfig {
  // parse_model reads anchors only for `no` = na·(nc+5), the channel count its width rule never scales.
  const no = cfg.detect_outputs;
  const anchors = no && no % 3 === 0 ? 3 : 1;
  // 'nc' in a row's args means the classifier's class count, resolved here before `nc` stands in for `no`.
  const rows = (part: LayerRow[]) => part.map(([f, n, m, args]): LayerRow => [f, n, m, args.map((a) => (a === 'nc' ? cfg.nc : a))]);
  return { ...cfg, backbone: rows(cfg.backbone), head: rows(cfg.head), anchors, nc: no ? no / anchors - 5 : Number.NaN } as ModelConfig;
}

/**
 * A YOLOv5 classifier (v7.0's ClassificationModel): `forward(x)` gives the logits (bs, nc) in both modes.
 * Build it from a config (`new ClassificationModel(cfg)`) or from a detection model (`fromDetectionModel`).
 */
export class ClassificationModel extends Module {
  /** The config (with the nc override applied). */
  readonly yaml: ClassifierConfig;
  /** The YAML file it was built from, if any. */
  readonly yamlFile: string | undefined;
  /** Names the config in error messages. */
  readonly configSource: string;
  /** The layers (state_dict prefix `model.`). */
  readonly model: Sequential;
  /** Per layer: from, repeats, type, parameters and args (the summary table). */
  readonly layerInfo: LayerInfo[];
  /** Layers whose outputs later layers read. */
  readonly save: Set<number>;
  /** Strides (a detection model's, kept as v7.0 keeps them; else the backbone's total). */
  stride: number[];
  /** Class names. */
  names: string[];
  /** Input image channels. */
  inputChannels: number;

  constructor(cfg: ClassifierConfig, opts: ClassificationModelOptions & { stride?: number[] } = {}) {
    super();
    this.yaml = structuredClone(cfg);
    this.yamlFile = opts.yamlFile;
    const source = opts.source ?? opts.yamlFile ?? '<model>';
    this.configSource = source;
    const ch = typeof cfg.ch === 'number' ? cfg.ch : 3;
    this.inputChannels = ch;
    if (opts.nc !== undefined && opts.nc !== this.yaml.nc) {
      opts.log?.(`Overriding model.yaml nc=${this.yaml.nc} with nc=${opts.nc}`);
      this.yaml.nc = opts.nc;
      const rows = this.yaml.head.length ? this.yaml.head : this.yaml.backbone;
      const last = rows[rows.length - 1]!;
      rows[rows.length - 1] = [last[0], last[1], last[2], [opts.nc, ...last[3].slice(1)]];
    }
    const mc = asModelConfig(this.yaml);
    checkModelSize(mc, ch, source);
    const parsed = parseModel(mc, ch, source);
    this.model = this.registerModule('model', new Sequential(...parsed.layers));
    this.layerInfo = parsed.info;
    this.save = new Set(parsed.save);
    if (!(this.head instanceof Classify)) throw new Error(`${source}: the last layer must be Classify`);
    this.names = Array.from({ length: this.nc }, (_, i) => String(i));
    // v7.0's cutoff model: the backbone's BatchNorms have DetectionModel's eps 1e-3 / momentum 0.03, the new Classify
    // head keeps PyTorch's defaults (1e-5 / 0.1).
    for (const layer of this.model.layers.slice(0, -1)) {
      for (const m of layer.modules()) {
        if (m instanceof BatchNorm2d) {
          m.eps = 1e-3;
          m.momentum = 0.03;
        }
      }
    }
    this.stride = opts.stride ?? [this.backboneStride()];
  }

  /** v7.0's _from_detection_model: layers [0, cutoff) of `det`, the last replaced by Classify(ch, nc); weights copied. */
  static fromDetectionModel(det: DetectionModel, o: { nc?: number; cutoff?: number; log?: (line: string) => void } = {}): ClassificationModel {
    const cutoff = o.cutoff ?? 10;
    const nc = o.nc ?? 1000;
    const rows = [...det.yaml.backbone, ...det.yaml.head];
    if (!Number.isInteger(cutoff) || cutoff < 2 || cutoff > rows.length - 1) {
      throw new Error(`--cutoff ${cutoff}: must be an integer from 2 to ${rows.length - 1} (the detection model has ${rows.length} layers, the last is Detect)`);
    }
    const cut = det.model.layers[cutoff - 1]!;
    // v7.0: ch = m.conv.in_channels if hasattr(m, 'conv') else m.cv1.conv.in_channels
    const inner = (cut.getChild('conv') ?? cut.getChild('cv1')?.getChild('conv')) as { inChannels?: number } | null;
    if (!inner || typeof inner.inChannels !== 'number') {
      throw new Error(`--cutoff ${cutoff}: layer ${cutoff - 1} (${det.layerInfo[cutoff - 1]!.type}) has no conv or cv1.conv to read its input channels from (v7.0's rule); pick another cutoff`);
    }
    const f = det.layerInfo[cutoff - 1]!.f;
    const planned = [f].flat().reduce((s, j) => s + det.layerInfo[j < 0 ? cutoff - 1 + j : j]!.c2, 0);
    if (planned !== inner.inChannels) throw new Error(`--cutoff ${cutoff}: layer ${cutoff - 1} reads ${planned} channels but its conv takes ${inner.inChannels}; pick another cutoff`);
    const kept = rows.slice(0, cutoff - 1).map((r) => structuredClone(r));
    const backboneLen = Math.min(det.yaml.backbone.length, cutoff - 1);
    const { anchors: _anchors, ...rest } = det.yaml;
    const cfg: ClassifierConfig = {
      ...structuredClone(rest),
      nc,
      ch: det.inputChannels,
      backbone: kept.slice(0, backboneLen),
      head: [...kept.slice(backboneLen), [f, 1, 'Classify', [nc]]],
      // parse_model's `no` = na·(nc + 5) of the detection YAML (Segment's mask coefficients not included)
      detect_outputs: (Array.isArray(det.yaml.anchors) ? Math.floor(det.yaml.anchors[0]!.length / 2) : det.yaml.anchors) * (det.yaml.nc + 5),
    };
    const model = new ClassificationModel(cfg, { source: `${det.configSource} (cutoff ${cutoff})`, stride: [...det.stride] });
    const weights = new Map([...det.stateDict()].filter(([k]) => Number(k.split('.')[1]) < cutoff - 1));
    const own = model.stateDict();
    noGrad(() => tidy(() => {
      for (const [k, v] of weights) own.get(k)!.copy_(v);
    }));
    // BatchNorm settings travel with the modules in v7.0 (the detection model's eps/momentum).
    model.names = Array.from({ length: nc }, (_, i) => String(i));
    return model;
  }

  /** The Classify head (the last layer). */
  get head(): Classify {
    return this.model.layers[this.model.layers.length - 1] as Classify;
  }

  /** Number of classes (the head's outputs). */
  get nc(): number {
    return this.head.linear.outFeatures;
  }

  override get typeName(): string {
    return 'ClassificationModel';
  }

  /** v7.0's model_info name: ClassificationModel has no yaml_file, so 'Model'; tsyolo's YAML-built ones their stem. */
  get summaryName(): string {
    return this.yamlFile ? basename(this.yamlFile).replace(/\.ya?ml$/, '').replace('yolov5', 'YOLOv5') : 'Model';
  }

  /** v7.0's reshape_classifier_output: a new Linear when the class count differs. */
  reshapeOutput(nc: number): void {
    if (nc === this.nc) return;
    this.head.reshapeOutput(nc);
    this.yaml.nc = nc;
    const rows = this.yaml.head.length ? this.yaml.head : this.yaml.backbone;
    const last = rows[rows.length - 1]!;
    rows[rows.length - 1] = [last[0], last[1], last[2], [nc, ...last[3].slice(1)]];
    this.names = Array.from({ length: nc }, (_, i) => String(i));
  }

  /** Runs the layers (saved outputs for from-lists); `visit` sees each layer's output. */
  forwardOnce(x: Tensor, visit?: (i: number, out: Tensor) => void): Tensor {
    const outputs: (Tensor | null)[] = [];
    let prev = x;
    const layers = this.model.layers;
    for (let i = 0; i < layers.length; i++) {
      const f = this.layerInfo[i]!.f;
      const saved = (j: number) => outputs[j < 0 ? outputs.length + j : j]!;
      const input = f === -1 ? prev : typeof f === 'number' ? saved(f) : f.map((j) => (j === -1 ? prev : saved(j)));
      let out: Tensor;
      try {
        out = layers[i]!.forward(input) as Tensor;
      } catch (e) {
        throw new Error(`${this.configSource}: layer ${i} (${this.layerInfo[i]!.type}): ${(e as Error).message}`);
      }
      visit?.(i, out);
      if (prev !== x && prev !== out && !this.save.has(i - 1)) prev.dispose();
      outputs.push(this.save.has(i) ? out : null);
      prev = out;
    }
    for (const t of outputs) if (t && t !== prev) t.dispose();
    return prev;
  }

  /** Logits (bs, nc). */
  forward(x: Tensor): Tensor {
    return this.forwardOnce(x);
  }

  /** The backbone's total stride (input size / the Classify input's size), from an eval-mode dry run at 64 px. */
  private backboneStride(): number {
    const s = 64;
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(() =>
        tidy(() => {
          let h = s;
          const last = this.model.layers.length - 1;
          this.forwardOnce(zeros([1, this.inputChannels, s, s]), (i, out) => {
            if (i === last - 1 && out.ndim === 4) h = out.shape[2]!;
          });
          return Math.max(1, Math.round(s / h));
        }),
      );
    } finally {
      this.train(wasTraining);
    }
  }

  /** YOLOv5's summary (layers, parameters, gradients, GFLOPs at imgsz; v7.0's train.py prints it at 640). */
  info(imgsz = 640): ModelSummary {
    return summarize(this, imgsz);
  }

  /** Moves every parameter and buffer to `device`. */
  moveTo(device: string): this {
    this.toDevice(device);
    return this;
  }

  /** Folds every Conv's BatchNorm (v7.0's fuse()). */
  override fuse(): this {
    for (const m of [...this.modules()]) if (m !== this) m.fuse?.();
    for (let i = 0; i < this.layerInfo.length; i++) this.layerInfo[i]!.np = this.model.layers[i]!.numParameters();
    return this;
  }
}
