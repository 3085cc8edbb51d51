// Weights → a loaded model `tsyolo speed` can time, with the runtime, device and precision it runs in stated:
// .pt / .safetensors (and model YAMLs) fused on libtorch, .onnx on onnxruntime-node's CPU execution provider.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Backend } from '../deploy/backend.ts';
import { OnnxBackend, type OrtRuntime } from '../deploy/onnx-backend.ts';
import { halfDtype, libtorchBackend } from '../deploy/libtorch-backend.ts';
import { selectDevice } from '../run/select-device.ts';
import { libtorchVersion } from '../tensor/runtime.ts';
import { loadModel } from '../yolo/load-model.ts';
import type { SpeedSubject } from './interleave.ts';

/** A loaded model ready for timing, with what it runs on. */
export interface SpeedModel {
  /** The weights as given. */
  weights: string;
  /** The model. */
  backend: Backend;
  /** Runtime and version: 'libtorch 1.13.0' or 'onnxruntime-node 1.30.0'. */
  runtime: string;
  /** Where it runs: 'cpu', 'cuda:0', or 'cpu (CPUExecutionProvider)'. */
  device: string;
  /** What the arithmetic runs in: 'fp32', 'fp16' (CUDA --half) or 'bf16' (CPU --half). */
  precision: string;
  /** The batch size a fixed-shape export takes (null: any). */
  fixedBatch: number | null;
  /** A note for the output, said once for every model it applies to (e.g. --half not available on this runtime). */
  note?: string;
}

/** Options of loadSpeedModel(). */
export interface LoadSpeedModelOptions {
  /** '--device' as typed ('', 'cpu', '0', 'cuda:1'). */
  device: string;
  /** Lower precision where the runtime has it. */
  half: boolean;
  /** onnxruntime intra-op threads (libtorch's are process-wide). */
  threads: number;
}

/** Why an ONNX model stays fp32 under --half. */
export const ONNX_HALF_NOTE =
  "--half is not available on onnxruntime-node's CPU execution provider: timed in fp32 (tsyolo's export --half stores float16 weights; its arithmetic stays float32)";

const CHECKPOINT = new Set(['.pt', '.pth', '.safetensors']);
const YAML = new Set(['.yaml', '.yml']);

/** Refuses a weights file that does not exist or that no runtime here reads, naming the flag and the value. */
export function checkWeightsFile(weights: string, flag = '--weights'): void {
  const ext = extname(weights).toLowerCase();
  if (YAML.has(ext)) return; // a shipped config name or a path: loadModel resolves it and names it when missing
  if (!CHECKPOINT.has(ext) && ext !== '.onnx') throw new Error(`${flag} ${weights}: not a weights file tsyolo reads (.pt, .safetensors, .onnx, or a model YAML)`);
  if (!existsSync(weights)) throw new Error(`${flag} ${weights}: no such file`);
  if (!statSync(weights).isFile()) throw new Error(`${flag} ${weights}: not a file`);
}

/** The installed onnxruntime-node's version ('?' when it does not say). */
async function onnxruntimeVersion(): Promise<string> {
  const ort = (await import('onnxruntime-node')) as unknown as { env?: { versions?: { node?: string } } };
  return ort.env?.versions?.node ?? '?';
}

/**
 * An ONNX model on onnxruntime-node's CPU execution provider for timing: `threads` intra-op threads, one inter-op,
 * and its threads told not to spin after a run — spinning threads would take the cores from whichever model runs
 * next in the round-robin.
 */
export async function loadOnnxForTiming(file: string, threads: number): Promise<OnnxBackend> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ONNX model '${file}': ${(e as Error).message}`);
  }
  const ort = (await import('onnxruntime-node')) as unknown as OrtRuntime;
  return OnnxBackend.create(ort, bytes, file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}

/** Loads one weights file for timing (libtorch fused eval, or onnxruntime-node). */
export async function loadSpeedModel(weights: string, o: LoadSpeedModelOptions): Promise<SpeedModel> {
  checkWeightsFile(weights);
  if (extname(weights).toLowerCase() === '.onnx') {
    const d = o.device.trim().toLowerCase();
    if (d !== '' && d !== 'cpu') throw new Error(`--device ${o.device}: ${weights} is an ONNX model, which runs on onnxruntime-node's CPU execution provider here; use --device cpu (or time its .pt on the GPU)`);
    const backend = await loadOnnxForTiming(weights, o.threads);
    const batch = backend.info.inputShape[0];
    return {
      weights,
      backend,
      runtime: `onnxruntime-node ${await onnxruntimeVersion()}`,
      device: 'cpu (CPUExecutionProvider)',
      precision: 'fp32',
      fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null,
      note: o.half ? ONNX_HALF_NOTE : undefined,
    };
  }
  const device = selectDevice(o.device);
  const { model } = loadModel(weights);
  if (device !== 'cpu') model.moveTo(device);
  // --half as val/detect's (v7.0's model.half()): the weights and inputs in halfDtype(device).
  const backend = libtorchBackend(model.fuse().eval(), { device, half: o.half });
  return {
    weights,
    backend,
    runtime: `libtorch ${libtorchVersion()}`,
    device,
    precision: o.half ? (halfDtype(device) === 'float16' ? 'fp16' : 'bf16') : 'fp32',
    fixedBatch: null,
  };
}
