// Reads what a detector needs from an exported ONNX file before running it — input shape, stride, class names —
// with the same protobuf schema the exporter writes. Browser-safe (no node: imports).
import { parsePyStrDict } from '../compat/python.ts';
import { ModelHeader } from '../export/onnx-schema.ts';
import type { OnnxNmsSettings } from '../export/nms-onnx.ts';

/** What tsyolo reads from an ONNX export: its input and output, stride, class names, opset and in-graph NMS. */
export interface OnnxModelInfo {
  /** Input name and shape (numbers, or symbolic names for dynamic axes). */
  inputName: string;
  /** The input's shape. */
  inputShape: (number | string)[];
  /** The (first) output's name. */
  outputName: string;
  /** Largest stride (metadata 'stride'; 32 when absent). */
  stride: number;
  /** Class names by index (metadata 'names'; '0', '1', … when absent). */
  names: string[];
  /** The default-domain opset it was exported with. */
  opset: number;
  /** NMS baked into the graph (metadata 'nms', written by `export --nms`); null for a plain export. */
  nms: OnnxNmsSettings | null;
  /**
   * A segmentation export's mask prototypes (a -seg model: 'output1', (N, nm, H/4, W/4)); null for a detector. The
   * first output's rows then hold 5 + nc + nm values.
   */
  protos: OnnxProtoOutput | null;
}

/** The mask-prototype output of a segmentation export (v7.0's and tsyolo's 'output1'). */
export interface OnnxProtoOutput {
  /** Its graph output name. */
  name: string;
  /** Mask coefficients per detection row (the prototypes' channel count: 32 in v7.0). */
  nm: number;
}

/** Parses YOLOv5's str(names) — {0: 'person', 1: "it's"} — or a Python list ['a', 'b']. */
export function parseNamesRepr(text: string): string[] {
  return parsePyStrDict(text, "ONNX metadata 'names'");
}

function dims(v: { type?: { tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } } }): (number | string)[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
}

/** Header of an ONNX file; `file` names it in errors. Throws a clear error for bytes that are not ONNX. */
export function readOnnxModelInfo(bytes: Uint8Array, file = 'model'): OnnxModelInfo {
  let header: {
    irVersion?: unknown;
    graph?: { input?: object[]; output?: ({ name?: string } & Parameters<typeof dims>[0])[] };
    opsetImport?: { domain?: string; version?: unknown }[];
    metadataProps?: { key?: string; value?: string }[];
  };
  try {
    header = ModelHeader.toObject(ModelHeader.decode(bytes), { longs: Number, defaults: false }) as typeof header;
  } catch (e) {
    throw new Error(`${file} is not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const input = header.graph?.input?.[0] as ({ name?: string } & Parameters<typeof dims>[0]) | undefined;
  const output = header.graph?.output?.[0];
  if (!header.irVersion || !input?.name || !output?.name) {
    throw new Error(`${file} is not an ONNX model (no IR version, graph input or output)`);
  }
  const meta = new Map((header.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const shape = dims(input);
  const stride = meta.has('stride') ? Number(meta.get('stride')) : 32;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`${file}: ONNX metadata 'stride' must be an integer, got '${meta.get('stride')}'`);
  const outShape = dims(output);
  const protos = protoOutput(header.graph?.output ?? [], file);
  const no = outShape[2];
  const names = meta.has('names')
    ? parseNamesRepr(meta.get('names')!)
    : typeof no === 'number'
      ? Array.from({ length: no - 5 - (protos?.nm ?? 0) }, (_, k) => String(k))
      : [];
  const opset = Number(header.opsetImport?.find((o) => !o.domain)?.version ?? 0);
  const nms = meta.has('nms') ? parseNmsMetadata(meta.get('nms')!, file) : null;
  return { inputName: input.name, inputShape: shape, outputName: output.name, stride, names, opset, nms, protos };
}

/** A second graph output of rank 4 (N, nm, mh, mw) is a segmentation export's prototypes. */
function protoOutput(outputs: readonly ({ name?: string } & Parameters<typeof dims>[0])[], file: string): OnnxProtoOutput | null {
  const p = outputs[1];
  if (!p?.name) return null;
  const shape = dims(p);
  if (shape.length !== 4) return null;
  const nm = shape[1];
  if (typeof nm !== 'number' || !(nm > 0)) throw new Error(`${file}: the mask prototypes output '${p.name}' must have a fixed channel count (N, nm, H/4, W/4), got (${shape.join(', ')})`);
  return { name: p.name, nm };
}

/** Metadata 'nms': {"conf_thres", "iou_thres", "max_det", "agnostic"} as the exporter writes it. */
function parseNmsMetadata(text: string, file: string): OnnxNmsSettings {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    v = {};
  }
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : NaN);
  const s = { confThres: num('conf_thres'), iouThres: num('iou_thres'), maxDet: num('max_det'), agnostic: v.agnostic };
  if (![s.confThres, s.iouThres, s.maxDet].every(Number.isFinite) || typeof s.agnostic !== 'boolean') {
    throw new Error(`${file}: ONNX metadata 'nms' must be {"conf_thres", "iou_thres", "max_det", "agnostic"}, got '${text}'`);
  }
  return s as OnnxNmsSettings;
}
