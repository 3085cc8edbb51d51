// Element types and devices as the engine names them. The numeric codes come from the op table (native/ops.ts).
import type { DType } from '../io/host-tensor.ts';
import { DTYPE_NAMES, type DTypeCode } from '../native/binding.ts';

export type { DType };

const CODES: readonly DType[] = DTYPE_NAMES;

export function isDType(name: string): name is DType {
  return (CODES as readonly string[]).includes(name);
}

export function dtypeCode(dtype: DType): DTypeCode {
  const code = CODES.indexOf(dtype);
  if (code < 0) throw new Error(`unknown dtype '${dtype}'`);
  return code as DTypeCode;
}

export function dtypeFromCode(code: number): DType {
  const d = CODES[code];
  if (!d) throw new Error(`unknown dtype code ${code}`);
  return d;
}

/** Whether a dtype is a floating-point type (float16/32/64, bfloat16). */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** 'cpu', 'cuda', 'cuda:0', … (PyTorch's device strings). */
export type Device = string;
