// YOLOv5's run folders: runs/<task>/exp, exp2, exp3, … (increment_path), or reuse with exist_ok.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../io/atomic-write.ts';

export function incrementPath(project: string, name: string, existOk = false): string {
  let dir = join(project, name);
  if (existsSync(dir) && !existOk) {
    let n = 2;
    while (existsSync(join(project, `${name}${n}`))) n++;
    dir = join(project, `${name}${n}`);
  }
  makeDirs(dir);
  return dir;
}
