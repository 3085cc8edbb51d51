// Peak memory of a process and all its descendants, sampled from /proc while it runs (Linux only). PyTorch's
// train.py forks its DataLoader workers, so the peak of one process (getrusage) would miss them; both sides of a
// benchmark are measured the same way. RSS counts pages shared between the processes once per process (fork
// shares the parent's pages copy-on-write), so the proportional share (PSS) is recorded too.
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeMemoryPeak {
  /** Highest sum of RSS over the tree, MB. */
  rssMb: number;
  /** Highest sum of PSS over the tree, MB (shared pages split between the processes sharing them). */
  pssMb: number;
  /** Most processes seen in the tree at once. */
  processes: number;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after its last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // exited meanwhile
  }
}

function descendantsAndSelf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** kB fields of /proc/<pid>/smaps_rollup (Rss, Pss); zeros once the process has gone. */
function rollup(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** Samples the tree under `pid` every `intervalMs` until stop() is called; stop() returns the peaks. */
export function watchTreeMemory(pid: number, intervalMs = 250): { stop: () => TreeMemoryPeak } {
  const peak = { rss: 0, pss: 0, processes: 0 };
  const sample = () => {
    const pids = descendantsAndSelf(pid);
    let rss = 0;
    let pss = 0;
    for (const p of pids) {
      const r = rollup(p);
      rss += r.rss;
      pss += r.pss;
    }
    peak.rss = Math.max(peak.rss, rss);
    peak.pss = Math.max(peak.pss, pss);
    peak.processes = Math.max(peak.processes, pids.length);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { rssMb: Math.round(peak.rss / 1024), pssMb: Math.round(peak.pss / 1024), processes: peak.processes };
    },
  };
}
