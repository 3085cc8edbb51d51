// YOLOv5's select_device: '--device' as users type it ('', 'cpu', '0', 'cuda', 'cuda:1') → the libtorch device
// string, checked against the CUDA devices present before anything is allocated.
import { cuda } from '../tensor/runtime.ts';

export function selectDevice(device: string, flag = '--device'): string {
  const d = device.trim().toLowerCase();
  if (d === 'cpu') return 'cpu';
  const available = cuda.isAvailable() ? cuda.deviceCount() : 0;
  if (d === '') return available > 0 ? 'cuda:0' : 'cpu';
  const index = d === 'cuda' ? '0' : d.replace(/^cuda:/, '');
  if (!/^\d+$/.test(index)) {
    const hint = index.includes(',') ? ' (several devices: `tsyolo train --nproc-per-node N` trains one rank per device)' : '';
    throw new Error(`${flag} '${device}' is not a device${hint}; use cpu, 0, cuda or cuda:N`);
  }
  if (Number(index) >= available) {
    const have = available === 0 ? 'this libtorch has no CUDA device' : `CUDA devices here: ${Array.from({ length: available }, (_, i) => `cuda:${i}`).join(', ')}`;
    throw new Error(`Invalid CUDA '${flag} ${device}' requested, use '${flag} cpu' or pass valid CUDA device(s) (${have})`);
  }
  return `cuda:${Number(index)}`;
}

/** The device for a weights file: an .onnx model keeps the flag as given (it runs on the CPU, which the ONNX
 * loader checks); libtorch weights go through selectDevice. */
export function selectDeviceFor(weights: string, device: string, flag = '--device'): string {
  return weights.toLowerCase().endsWith('.onnx') ? device : selectDevice(device, flag);
}
