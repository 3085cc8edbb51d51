// A model-size guard that runs before any weight is allocated: a YAML (from --cfg or stored in a checkpoint)
// whose width or depth would need more memory than this machine has is refused with the figures, instead of
// growing until the system kills the process.
import { freemem } from 'node:os';
import type { ModelConfig } from './model-config.ts';
import { parseModel, planModel } from './parse-model.ts';

/** Channels up to this build as they are (yolov5x6's widest layer has 1280): no probe needed. */
const PROBE_ABOVE_CHANNELS = 2048;
/** The probe model's widest layer. */
const PROBE_CHANNELS = 256;
/** Bytes per parameter while training: float32 weights, gradients and two optimizer moments. */
const BYTES_PER_PARAMETER = 16;

export interface ModelSizeEstimate {
  parameters: number;
  bytes: number;
  widestLayer: { index: number; channels: number };
}

/**
 * Parameters of `cfg` without building it: from a probe built at a width whose widest layer has ~256 channels,
 * scaled by the square of the width ratio (convolution weights grow with c_in · c_out; the linear terms are
 * over-estimated, which errs on the side of refusing). Null when the model is small enough not to need it.
 */
export function estimateModelSize(cfg: ModelConfig, inputChannels: number, file: string): ModelSizeEstimate | null {
  const plan = planModel(cfg, inputChannels, file);
  let widest = { index: 0, channels: 0 };
  plan.forEach((row, i) => {
    if (row.c2 > widest.channels) widest = { index: i, channels: row.c2 };
  });
  if (widest.channels <= PROBE_ABOVE_CHANNELS) return null;
  const ratio = widest.channels / PROBE_CHANNELS;
  const probe = parseModel({ ...cfg, width_multiple: cfg.width_multiple / ratio }, inputChannels, file);
  let probeParameters = 0;
  for (const layer of probe.layers) {
    probeParameters += layer.numParameters();
    layer.dispose();
  }
  const parameters = Math.round(probeParameters * ratio * ratio);
  return { parameters, bytes: parameters * BYTES_PER_PARAMETER, widestLayer: widest };
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** Throws, naming the file, the widest layer and the figures, when the model cannot fit in `availableBytes`. */
export function checkModelSize(cfg: ModelConfig, inputChannels: number, file: string, availableBytes = freemem()): void {
  const estimate = estimateModelSize(cfg, inputChannels, file);
  if (!estimate || estimate.bytes <= availableBytes) return;
  const { parameters, bytes, widestLayer } = estimate;
  throw new Error(
    `${file}: the model is too large for this machine: about ${(parameters / 1e6).toFixed(0)}M parameters ` +
      `(${gb(bytes)} to train: weights, gradients and optimizer state) against ${gb(availableBytes)} of available memory; ` +
      `its widest layer ${widestLayer.index} has ${widestLayer.channels} channels (width_multiple ${cfg.width_multiple}, depth_multiple ${cfg.depth_multiple})`,
  );
}
