// tqdm's progress line as YOLOv5 v7.0 prints it (`{desc}: {percent}%|{bar:10}| n/total elapsed`): drawn and redrawn
// in place on a terminal, nothing at all elsewhere (logs and CI output stay line by line, as they were).
// The train loop's per-epoch line (ProgressLine), val's bar, detect's bar under its per-image lines, and the CLI's
// bars for `data digits` and export all come from here.

import { pyFormat } from '../compat/python.ts';

/** tqdm's format_interval: `mm:ss`, or `h:mm:ss` from an hour on (whole seconds, truncated). */
function formatInterval(seconds: number): string {
  const t = Math.max(0, Math.trunc(seconds));
  const [h, m, s] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  const two = (v: number) => String(v).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** tqdm's unicode bar, 10 cells: whole blocks, then one of ▏▎▍▌▋▊▉ for the eighths, then spaces. */
function barCells(frac: number): string {
  const CHARSET = ' ▏▎▍▌▋▊▉█';
  const width = 10;
  const eighths = Math.trunc(Math.min(Math.max(frac, 0), 1) * width * 8);
  const [full, part] = [Math.floor(eighths / 8), eighths % 8];
  return full < width ? '█'.repeat(full) + CHARSET[part] + ' '.repeat(width - full - 1) : '█'.repeat(width);
}

/**
 * YOLOv5 v7.0's tqdm line after the description (TQDM_BAR_FORMAT `{l_bar}{bar:10}| {n_fmt}/{total_fmt} {elapsed}`):
 * ` 40%|████      | 2/5 00:01`.
 */
export function formatBar(done: number, total: number, elapsedS: number): string {
  const frac = total ? done / total : 1;
  return `${pyFormat('%3.0f', frac * 100)}%|${barCells(frac)}| ${done}/${total} ${formatInterval(elapsedS)}`;
}

/** Whether stdout is a terminal: bars are drawn only there (as train decides). */
export function stdoutIsTerminal(): boolean {
  return Boolean(process.stdout.isTTY);
}

/** One line redrawn in place on a terminal; elsewhere only its last text is printed, by end() (train's epoch line). */
export class ProgressLine {
  readonly #tty: boolean;
  readonly #write: (s: string) => void;
  #last = '';
  constructor(write: (s: string) => void = (s) => process.stdout.write(s), tty = stdoutIsTerminal()) {
    this.#write = write;
    this.#tty = tty;
  }
  /** Redraws the line on a terminal; elsewhere only remembers it (printed by end()). */
  update(text: string): void {
    this.#last = text;
    if (this.#tty) this.#write(`\r${text}\x1b[K`);
  }
  /** Ends the line: a newline on a terminal, the last text elsewhere. */
  end(): void {
    this.#write(this.#tty ? '\n' : `${this.#last}\n`);
  }
}

/** How a ProgressBar draws: its text before the bar, where it writes, whether it draws at all, its clock. */
export interface ProgressBarOptions {
  /** Text before the bar (tqdm's desc), e.g. val's table header. */
  desc?: string;
  /** Raw output (default: process.stdout.write). */
  write?: (s: string) => void;
  /** Draw at all (default: stdout is a terminal). */
  enabled?: boolean;
  /** Milliseconds clock (default: performance.now). */
  now?: () => number;
  /** Least milliseconds between redraws (default 100, as tqdm's mininterval); the last step is always drawn. */
  minIntervalMs?: number;
}

/** A counted task's bar: update(done) redraws it in place; wrap(log) prints lines above it; end() finishes it. */
export class ProgressBar {
  /** Whether this bar draws (a terminal, unless told otherwise). */
  readonly enabled: boolean;
  readonly #total: number;
  readonly #o: Required<Omit<ProgressBarOptions, 'enabled'>>;
  readonly #t0: number;
  #done = 0;
  #lastDraw = -Infinity;
  #shown = false;

  constructor(total: number, options: ProgressBarOptions = {}) {
    this.#total = total;
    this.enabled = options.enabled ?? stdoutIsTerminal();
    this.#o = {
      desc: options.desc ?? '',
      write: options.write ?? ((s) => void process.stdout.write(s)),
      now: options.now ?? (() => performance.now()),
      minIntervalMs: options.minIntervalMs ?? 100,
    };
    this.#t0 = this.#o.now();
  }

  /** The bar's text now: `desc:  40%|████      | 2/5 00:01`. */
  text(): string {
    // A total that was only an estimate (a video whose container gave no frame count) grows with the count.
    const bar = formatBar(this.#done, Math.max(this.#total, this.#done), (this.#o.now() - this.#t0) / 1000);
    return this.#o.desc ? `${this.#o.desc}: ${bar}` : bar;
  }

  /** Sets the count and redraws (at most every minIntervalMs, and always at the total). */
  update(done: number): void {
    this.#done = done;
    if (!this.enabled) return;
    const t = this.#o.now();
    if (done < this.#total && t - this.#lastDraw < this.#o.minIntervalMs) return;
    this.#lastDraw = t;
    this.#draw();
  }

  /** A log function whose lines appear above the bar (tqdm.write); the bar is redrawn under them. */
  wrap(log: (line: string) => void): (line: string) => void {
    if (!this.enabled) return log;
    return (line) => {
      if (this.#shown) this.#o.write('\r\x1b[K');
      log(line);
      if (this.#shown) this.#draw();
    };
  }

  /** Finishes the bar: its last state stays as a line (`keep`), or it is erased. Nothing when not drawing. */
  end(keep = true): void {
    if (!this.enabled) return;
    if (keep) {
      this.#draw();
      this.#o.write('\n');
    } else if (this.#shown) this.#o.write('\r\x1b[K');
    this.#shown = false;
  }

  #draw(): void {
    this.#o.write(`\r${this.text()}\x1b[K`);
    this.#shown = true;
  }
}
