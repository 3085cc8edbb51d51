// Element types and devices as the engine names them. The numeric codes match native/src/args.h.
import type { DType } from '../io/host-tensor.ts';

export type { DType };

const CODES: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];

export function dtypeCode(dtype: DType): number {
  const code = CODES.indexOf(dtype);
  if (code < 0) throw new Error(`unknown dtype '${dtype}'`);
  return code;
}

export function dtypeFromCode(code: number): DType {
  const d = CODES[code];
  if (!d) throw new Error(`unknown dtype code ${code}`);
  return d;
}

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** 'cpu', 'cuda', 'cuda:0', … (PyTorch's device strings). */
export type Device = string;
