// The NMS-variant option rows of val and detect (--nms-method, --soft-sigma) and export's --nms-method, which only
// warns: an exported graph's NMS is always plain NMS. See docs/nms.md.
import { NMS_METHODS, type NmsMethod } from '../eval/nms-variants.ts';
import { type OptionSpec, oneOf } from './option-table.ts';

/** A number > 0 (Soft-NMS σ). */
function positiveNumber(raw: unknown, name: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number > 0, got ${typeof raw === 'string' ? `'${raw}'` : String(raw)}`);
  return n;
}

const readMethod = oneOf(NMS_METHODS);

export interface NmsMethodFlags {
  nmsMethod: NmsMethod;
  /** undefined: Soft-NMS's default σ 0.5. */
  softSigma: number | undefined;
}

/** --nms-method and --soft-sigma, for val and detect. */
export const NMS_METHOD_OPTIONS: { nmsMethod: OptionSpec<NmsMethod>; softSigma: OptionSpec<number | undefined> } = {
  nmsMethod: {
    flags: '--nms-method <m>',
    help: 'NMS: nms (YOLOv5\'s), diou (DIoU-NMS), soft-linear (Soft-NMS, Nt = --iou-thres) or soft-gaussian (Soft-NMS, σ = --soft-sigma); see docs/nms.md',
    default: 'nms',
    read: readMethod,
  },
  softSigma: { flags: '--soft-sigma <s>', help: 'Soft-NMS gaussian σ (with --nms-method soft-gaussian; default 0.5)', default: undefined, read: positiveNumber },
};

/** export's --nms-method: accepted and checked, then only warned about (see exportNmsMethodWarning). */
export const EXPORT_NMS_METHOD_OPTION: OptionSpec<NmsMethod | undefined> = {
  flags: '--nms-method <m>',
  help: 'not applied: --nms puts plain NMS into the graph (diou and soft-* run in detect/val of a model exported without --nms)',
  default: undefined,
  read: readMethod,
};

/** The method and σ val/detect pass on; --soft-sigma without soft-gaussian is refused rather than ignored. */
export function nmsMethodOf(o: NmsMethodFlags): { nmsMethod: NmsMethod; softSigma: number | undefined } {
  if (o.softSigma !== undefined && o.nmsMethod !== 'soft-gaussian') {
    throw new Error(`--soft-sigma ${o.softSigma} is the σ of --nms-method soft-gaussian, but the method is ${o.nmsMethod}`);
  }
  return { nmsMethod: o.nmsMethod, softSigma: o.softSigma };
}

/** export's warning when --nms-method is given: the graph's NMS stays plain NMS. */
export function exportNmsMethodWarning(method: NmsMethod | undefined, nms: boolean): string | null {
  if (method === undefined || method === 'nms') return null;
  return nms
    ? `WARNING ⚠️ --nms-method ${method} is not applied: --nms puts plain NMS (ONNX NonMaxSuppression, YOLOv5's rule) into the graph; for ${method}, export without --nms and pass --nms-method ${method} to detect/val`
    : `WARNING ⚠️ --nms-method ${method} has no effect on an export without --nms (the graph has no NMS); pass it to detect/val of the exported model`;
}
