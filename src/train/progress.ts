// The per-epoch progress bar as YOLOv5 prints it (tqdm-style), live on a terminal, one line otherwise.
import { pyFormat } from '../compat/python.ts';

export const TRAIN_HEADER = pyFormat('\n' + '%11s'.repeat(7), 'Epoch', 'GPU_mem', 'box_loss', 'obj_loss', 'cls_loss', 'Instances', 'Size');

export function formatTrainRow(epoch: number, epochs: number, mem: string, mloss: readonly number[], instances: number, size: number): string {
  return pyFormat('%11s%11s' + '%11.4g'.repeat(5), `${epoch}/${epochs - 1}`, mem, mloss[0]!, mloss[1]!, mloss[2]!, instances, size);
}

/** The GPU_mem column: CUDA memory reserved, as YOLOv5 prints it; 0G on the CPU, as YOLOv5 shows there. */
export function gpuMem(device: string): string {
  // The engine does not expose CUDA's caching-allocator figures yet: '-' rather than a wrong number.
  return device.startsWith('cuda') ? '-' : '0G';
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}

/** `100%|██████████| 25/25 [00:20<00:00,  1.21it/s]` */
export function formatBar(done: number, total: number, elapsedS: number): string {
  const frac = total ? done / total : 1;
  const width = 10;
  const full = Math.floor(frac * width);
  const bar = '█'.repeat(full) + (full < width ? ' '.repeat(width - full) : '');
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const remaining = rate > 0 ? (total - done) / rate : 0;
  const rateText = rate >= 1 || rate === 0 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
  return `${String(Math.floor(frac * 100)).padStart(3)}%|${bar}| ${done}/${total} [${clock(elapsedS)}<${clock(remaining)}, ${rateText}]`;
}

export class ProgressLine {
  readonly #tty: boolean;
  readonly #write: (s: string) => void;
  #last = '';
  constructor(write: (s: string) => void = (s) => process.stdout.write(s), tty = Boolean(process.stdout.isTTY)) {
    this.#write = write;
    this.#tty = tty;
  }
  /** Redraws the line on a terminal; elsewhere only remembers it (printed by end()). */
  update(text: string): void {
    this.#last = text;
    if (this.#tty) this.#write(`\r${text}\x1b[K`);
  }
  end(): void {
    this.#write(this.#tty ? '\n' : `${this.#last}\n`);
  }
}
