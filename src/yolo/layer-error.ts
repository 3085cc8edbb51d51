// A model layer that fails while running (a shape or channel mismatch, usually a YAML mistake: a Concat index left
// wrong after inserting a row, a channel rule that does not match what the block outputs) becomes one error naming
// the file, the layer index, its module, where its inputs come from and their shapes, instead of libtorch's bare
// "Sizes of tensors must match …". DetectionModel's forward calls layerError() only when a layer throws, so the
// per-layer cost of a forward pass is one try/catch.
import type { Tensor } from '../tensor/tensor.ts';

/** An error at one model layer, already carrying its context (rethrown as it is by enclosing layers). */
export class ModelLayerError extends Error {
  readonly layer: number;
  constructor(message: string, layer: number, cause: unknown) {
    super(message, { cause });
    this.name = 'ModelLayerError';
    this.layer = layer;
  }
}

/** What DetectionModel knows about the failing layer. */
export interface FailedLayer {
  /** The YAML file (or what names the config, e.g. a checkpoint's stored YAML). */
  source: string;
  /** Layer index. */
  i: number;
  /** The YAML module name (e.g. 'Concat', 'Conv'). */
  module: string;
  /** The row's `from`. */
  f: number | number[];
  /** The tensor(s) the layer was given. */
  input: Tensor | Tensor[];
  /** The channel count parse_model planned for each input (from the layers' channel rules). */
  planned: number[];
  /** For each input, the layer it came from (absolute index; -1 = the image). */
  sources: number[];
  /** The YAML module name of layer j (for naming the layer that produced an unplanned channel count). */
  moduleAt: (j: number) => string;
}

const shapeText = (t: Tensor) => `(${t.shape.join(',')})`;

/** libtorch's convolution message: "…expected input[1, 128, 8, 8] to have 64 channels, but got 128 channels instead". */
const CONV_CHANNELS = /expected input\[([\d, ]+)\] to have (\d+) channels, but got (\d+) channels/;

/** The engine's message without the C++ trace some builds append. */
function engineMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split(/\nException raised from |\n\(no backtrace available\)/)[0]!.trim();
}

function sameSizeExceptChannels(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim) return false;
  return a.shape.every((d, k) => k === 1 || d === b.shape[k]);
}

/**
 * The error to throw for `e`, raised by layer `l.i`: `<file>: layer 13 (Concat) from [-1, 10]: inputs (1,256,20,20)
 * and (1,128,40,40) differ in size`, `<file>: layer 5 (Conv): input has 128 channels, the layer expects 64 (layer 4
 * (MyBlock) gives 128 where its channel rule says 64)`, else the engine's message after the input shapes.
 */
export function layerError(e: unknown, l: FailedLayer): Error {
  if (e instanceof ModelLayerError) return e;
  const from = l.f === -1 ? '' : ` from ${Array.isArray(l.f) ? `[${l.f.join(', ')}]` : l.f}`;
  const where = `${l.source}: layer ${l.i} (${l.module})${from}`;
  const inputs = Array.isArray(l.input) ? l.input : [l.input];
  const many = Array.isArray(l.input);
  const label = (k: number) => (many ? `input ${k}${l.sources[k]! >= 0 ? ` (layer ${l.sources[k]})` : ''}` : 'input');

  // An input with a channel count other than parse_model planned: the layer was built for the planned one.
  for (let k = 0; k < inputs.length; k++) {
    const t = inputs[k]!;
    const want = l.planned[k];
    if (t.ndim >= 2 && want !== undefined && t.shape[1] !== want) {
      const j = l.sources[k]!;
      const culprit = j >= 0 ? ` (layer ${j} (${l.moduleAt(j)}) gives ${t.shape[1]} channels where its channel rule says ${want})` : '';
      return new ModelLayerError(`${where}: ${label(k)} has ${t.shape[1]} channels, the layer expects ${want}${culprit}`, l.i, e);
    }
  }
  const message = engineMessage(e);
  // Inputs joined along channels must agree in every other dimension (the Concat index left wrong).
  if (many && /[Ss]izes? of tensors? must match|must match the size|size mismatch/.test(message)) {
    for (let k = 1; k < inputs.length; k++) {
      if (!sameSizeExceptChannels(inputs[0]!, inputs[k]!)) {
        return new ModelLayerError(`${where}: inputs ${shapeText(inputs[0]!)} and ${shapeText(inputs[k]!)} differ in size`, l.i, e);
      }
    }
  }
  // The layer's own first convolution was built for another channel count than its input has (a builder or channel
  // rule giving the block a wrong c1).
  const conv = CONV_CHANNELS.exec(message);
  if (conv && !many && conv[1]!.split(',').map(Number).join(',') === inputs[0]!.shape.join(',')) {
    return new ModelLayerError(`${where}: input has ${conv[3]} channels, the layer expects ${conv[2]}`, l.i, e);
  }
  const shapes = inputs.map(shapeText);
  const described = many ? `inputs ${shapes.join(', ')}` : `input ${shapes[0]}`;
  return new ModelLayerError(`${where}: ${described}: ${message}`, l.i, e);
}
