// YOLOv5's run folders: runs/<task>/exp, exp2, exp3, … (increment_path), or reuse with exist_ok. A run that fails
// before it has written anything removes the folder it made (discardRunFolder), so failures leave no empty exp{N}.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { makeDirs } from '../io/atomic-write.ts';

/**
 * Run folders incrementPath created in this process (absolute) → the outermost folder that creating it made (the
 * project folder, when it was new too): the only ones discardRunFolder may remove.
 */
const createdHere = new Map<string, string>();

export function incrementPath(project: string, name: string, existOk = false): string {
  let dir = join(project, name);
  if (existsSync(dir) && !existOk) {
    let n = 2;
    while (existsSync(join(project, `${name}${n}`))) n++;
    dir = join(project, `${name}${n}`);
  }
  if (!existsSync(dir)) {
    let outermost = resolve(dir);
    while (!existsSync(dirname(outermost)) && dirname(outermost) !== outermost) outermost = dirname(outermost);
    makeDirs(dir);
    createdHere.set(resolve(dir), outermost);
  }
  return dir;
}

/** Files under `dir` (relative paths, '/'-separated); folders alone do not count. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * For a run that failed before producing anything: removes `dir` when incrementPath made it in this process (never
 * a folder that existed before the run: --exist-ok, --resume) and it holds no files other than `setUpFiles` (paths
 * relative to it, e.g. train's hyp.yaml and opt.yaml) — so a partial result a user may want to look at is kept.
 * Returns whether it was removed; never throws (the run's own error is what matters).
 */
export function discardRunFolder(dir: string, setUpFiles: readonly string[] = []): boolean {
  const abs = resolve(dir);
  const outermost = createdHere.get(abs);
  if (outermost === undefined) return false;
  try {
    if (!filesUnder(abs).every((f) => setUpFiles.includes(f))) return false;
    rmSync(abs, { recursive: true, force: true });
    createdHere.delete(abs);
  } catch {
    return false;
  }
  // The project folder (runs/, runs/val/) goes too when this run made it and it is still empty.
  try {
    for (let d = dirname(abs); d.length >= outermost.length && d !== dirname(d); d = dirname(d)) {
      if (readdirSync(d).length > 0) break;
      rmdirSync(d);
    }
  } catch {
    // Another run started there meanwhile: it keeps the folder.
  }
  return true;
}
