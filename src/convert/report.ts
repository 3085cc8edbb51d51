// What a converter run did and what was wrong with its inputs: every problem names the file it is about and says what
// is wrong and what was done about it (skipped, clipped, box written instead of polygon). Converters collect them
// here; the CLI prints each one on stderr as it is found and ends with one summary line.
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileSystemError, makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

/** One thing wrong with an input: the file it is about (an annotation file, or an image named inside one) and what. */
export interface ConvertProblem {
  /** The annotation file (for COCO also the image's file_name: `instances_val.json: 0001.jpg`). */
  file: string;
  /** What is wrong and what was done about it (`… extends past the 640×480 image: clipped`). */
  message: string;
}

/** What a conversion wrote and what it reported. */
export interface ConvertResult {
  /** 'coco', 'voc' or 'labelme'. */
  format: string;
  /** The output folder. */
  outDir: string;
  /** Label files written (paths). */
  labelFiles: string[];
  /** Other files written: class-name YAMLs, data.yaml, copied images. */
  otherFiles: string[];
  /** Label lines written (boxes or polygons). */
  lines: number;
  /** Input annotation files (COCO: image entries with annotations) looked at. */
  inputs: number;
  /** Annotations left out on purpose, as the reference converter leaves them out (crowd, difficult), by reason. */
  skipped: Record<string, number>;
  /** Everything wrong with the inputs, in the order found. */
  problems: ConvertProblem[];
}

/** Collects a run's problems and outputs; `onProblem` sees each problem as it is found. */
export class ConvertLog {
  /** What the run wrote and reported so far. */
  readonly result: ConvertResult;
  private readonly onProblem?: (p: ConvertProblem) => void;
  private readonly labelSet = new Set<string>();
  private readonly madeDirs = new Set<string>();

  /** A log for a run of `format` writing into `outDir`. */
  constructor(format: string, outDir: string, onProblem?: (p: ConvertProblem) => void) {
    this.result = { format, outDir, labelFiles: [], otherFiles: [], lines: 0, inputs: 0, skipped: {}, problems: [] };
    this.onProblem = onProblem;
  }

  /** Records a problem with `file`. */
  problem(file: string, message: string): void {
    const p = { file, message };
    this.result.problems.push(p);
    this.onProblem?.(p);
  }

  /** Counts an annotation left out on purpose (`reason`: 'crowd', 'difficult'). */
  skip(reason: string): void {
    this.result.skipped[reason] = (this.result.skipped[reason] ?? 0) + 1;
  }

  private makeDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    makeDirs(dir);
    this.madeDirs.add(dir);
  }

  /** Writes a label file atomically (its folder made first) and counts its lines. */
  writeLabels(path: string, lines: string[], text: string): void {
    this.makeDir(dirname(path));
    writeFileAtomic(path, text);
    if (!this.labelSet.has(path)) {
      this.labelSet.add(path);
      this.result.labelFiles.push(path);
    }
    this.result.lines += lines.length;
  }

  /** Writes another output file (a YAML) atomically. */
  writeOther(path: string, text: string): void {
    this.makeDir(dirname(path));
    writeFileAtomic(path, text);
    this.result.otherFiles.push(path);
  }

  /** Copies a file into the output through a temporary file and a rename, like every other output. */
  copyOther(from: string, to: string): void {
    this.makeDir(dirname(to));
    const tmp = `${to}.tmp-${process.pid}`;
    try {
      copyFileSync(from, tmp);
      renameSync(tmp, to);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw fileSystemError('cannot copy to', to, err);
    }
    this.result.otherFiles.push(to);
  }
}

/**
 * One line for the end of a run: "coco: 4 label files (11 lines) in out/labels/tiny; skipped: 2 crowd; 5 problems
 * in 3 files (listed above)".
 */
export function formatConvertSummary(r: ConvertResult): string {
  const parts = [`${r.format}: ${r.labelFiles.length} label file${r.labelFiles.length === 1 ? '' : 's'} (${r.lines} line${r.lines === 1 ? '' : 's'}) written to ${r.outDir}`];
  if (r.otherFiles.length) parts.push(`${r.otherFiles.length} other file${r.otherFiles.length === 1 ? '' : 's'}`);
  const skipped = Object.entries(r.skipped).map(([k, n]) => `${n} ${k}`);
  if (skipped.length) parts.push(`skipped as the reference does: ${skipped.join(', ')}`);
  if (r.problems.length) {
    const files = new Set(r.problems.map((p) => p.file)).size;
    parts.push(`${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} (listed above)`);
  } else parts.push('no problems');
  return parts.join('; ');
}
