// An exported ONNX detector on onnxruntime-node (CPU). Imports no native engine: the `tsyolo/onnx` entry uses it.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readFailure } from '../io/atomic-write.ts';
import { OnnxBackend, type OrtRuntime } from './onnx-backend.ts';

/** Options of OnnxModel.load(). */
export interface OnnxModelOptions {
  /** Intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

/** An onnxruntime-node model is an OnnxBackend; OnnxModel.load reads it from a file. */
export type OnnxModel = OnnxBackend;

/** Loads exported models on onnxruntime-node: `await OnnxModel.load('best.onnx')`. */
export const OnnxModel = {
  /** Loads `file`; a missing, non-ONNX or corrupt file is an Error naming the file. */
  async load(file: string, o: OnnxModelOptions = {}): Promise<OnnxModel> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new Error(`cannot read ONNX model '${file}': ${readFailure(e)}`);
    }
    return OnnxBackend.create(ort as unknown as OrtRuntime, bytes, file, {
      executionProviders: ['cpu'],
      ...(o.threads ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
    });
  },
};
