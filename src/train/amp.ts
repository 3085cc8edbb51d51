// train.py's automatic mixed precision, decided once per run: on CUDA float16 autocast with a GradScaler after
// check_amp's test (fp32 and AMP detections of the model agree), as YOLOv5 v7.0 does by default; on a CPU with
// native bfloat16 (AVX512-BF16 or AMX) bfloat16 autocast, which needs no scaler; elsewhere fp32, with one line
// saying why.
import { cpuFlags } from '../native/engine-environment.ts';
import { nonMaxSuppression } from '../eval/nms.ts';
import { withAutocast, type AutocastDevice } from '../tensor/autocast.ts';
import { full } from '../tensor/create.ts';
import type { DType } from '../tensor/dtype.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { GradScaler } from './grad-scaler.ts';

/** train --amp: 'auto' (the default: CUDA after the check; the CPU where it pays, see cpuAmpByDefault), on, off. */
export type AmpSetting = 'auto' | boolean;

/** What a run trains with. */
export interface AmpPlan {
  /** Whether the forward and loss run under autocast. */
  enabled: boolean;
  /** Autocast's device type. */
  device: AutocastDevice;
  /** float16 (CUDA) or bfloat16 (CPU). */
  dtype: DType;
  /** The loss scaler (disabled on the CPU and when AMP is off: it then passes everything through). */
  scaler: GradScaler;
}

/**
 * Whether `--amp auto` trains a detection model in bfloat16 on this CPU: where it has AMX (amx_bf16), the only CPUs
 * where it was measured faster with the training quality held (bench:train-e2e and bench:training-parity --amp,
 * bench/report.md: on a 2-core Xeon with AMX, 10.3 s of forward+backward per epoch against 11.7 s in fp32, with the
 * fused batch-norm kernels both paths use). Not on AVX512-BF16-only CPUs (not measured here) and not for
 * segmentation (its comparison with v7.0 ran in fp32); `--amp true` asks for it there.
 */
export function cpuAmpByDefault(flags: Set<string> = cpuFlags()): boolean {
  return flags.has('amx_bf16');
}

/** The CPU flags that make bfloat16 convolutions native (oneDNN's AVX512-BF16 and AMX kernels). */
export function cpuHasNativeBf16(flags: Set<string> = cpuFlags()): boolean {
  return flags.has('avx512_bf16') || flags.has('amx_bf16');
}

/** Runs fn under the plan's autocast (or plainly when AMP is off). */
export function withAmp<T>(plan: Pick<AmpPlan, 'enabled' | 'device' | 'dtype'>, fn: () => T): T {
  return plan.enabled ? withAutocast(plan.device, plan.dtype, fn) : fn();
}

/**
 * YOLOv5's check_amp: the model's detections on a fixed image in fp32 and under autocast must have the same shape
 * and agree within 0.1 (normalised xywh, as v7.0 compares). The image is v7.0's offline fallback, np.ones((640, 640, 3)).
 */
export function ampDetectionsAgree(model: DetectionModel, plan: Pick<AmpPlan, 'device' | 'dtype'>, device: string): boolean {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() =>
      tidy(() => {
        const im = full([1, 3, 640, 640], 1 / 255, { device });
        const detect = (amp: boolean): HostTensor => {
          const out = (amp ? withAutocast(plan.device, plan.dtype, () => model.forward(im)) : model.forward(im)) as Tensor[];
          return nonMaxSuppression(out[0]!.float().toHost(), { confThres: 0.25, iouThres: 0.45, maxDet: 1000 })[0]!;
        };
        const a = detect(false);
        const b = detect(true);
        if (a.shape[0] !== b.shape[0]) return false;
        // Rows are x1 y1 x2 y2 conf cls in pixels of a 640 image: a xywhn difference is at most the pixel one / 640.
        for (let r = 0; r < a.shape[0]!; r++) for (let c = 0; c < 4; c++) if (Math.abs(Number(a.data[r * 6 + c]) - Number(b.data[r * 6 + c])) / 640 > 0.1) return false;
        return true;
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}

/** Decides the run's precision from --amp and the device, logging as train.py's `AMP:` lines do. */
export function planAmp(setting: AmpSetting, device: string, model: DetectionModel, log: (line: string) => void, flags: Set<string> = cpuFlags(), o: { task?: 'detect' | 'segment' } = {}): AmpPlan {
  const off = (type: AutocastDevice): AmpPlan => ({ enabled: false, device: type, dtype: type === 'cuda' ? 'float16' : 'bfloat16', scaler: new GradScaler({ enabled: false }) });
  if (setting === false) return off(device === 'cpu' ? 'cpu' : 'cuda');
  if (device.startsWith('cuda')) {
    const plan: AmpPlan = { enabled: true, device: 'cuda', dtype: 'float16', scaler: new GradScaler() };
    if (!ampDetectionsAgree(model, plan, device)) {
      log('AMP: checks failed ❌. Anomalies were detected with AMP on your system that may lead to NaN losses or zero-mAP results, so AMP will be disabled during training.');
      return off('cuda');
    }
    log('AMP: checks passed ✅');
    return plan;
  }
  if (!cpuHasNativeBf16(flags)) {
    if (setting === true) log('AMP: off: this CPU has no native bfloat16 (neither avx512_bf16 nor amx_bf16 in /proc/cpuinfo); training in fp32');
    return off('cpu');
  }
  if (setting === 'auto' && (o.task === 'segment' || !cpuAmpByDefault(flags))) return off('cpu');
  log('AMP: bfloat16 autocast on the CPU (native bfloat16: ' + ['avx512_bf16', 'amx_bf16'].filter((f) => flags.has(f)).join(', ') + ')');
  return { enabled: true, device: 'cpu', dtype: 'bfloat16', scaler: new GradScaler({ enabled: false }) };
}
