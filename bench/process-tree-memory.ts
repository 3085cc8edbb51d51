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

/** VmRSS of /proc/<pid>/status, kB (a counter the kernel keeps: cheap to read); 0 once the process has gone. */
function rss(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Pss of /proc/<pid>/smaps_rollup, kB; 0 once the process has gone. The kernel walks the page tables for it. */
function pss(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Samples the tree under `pid` until stop() is called; stop() returns the peaks. RSS is read every `intervalMs`
 * from /proc/<pid>/status. PSS needs smaps_rollup, which walks the process's page tables under its mmap lock
 * (~70 ms for a training node process with its large reserved address space): read every 250 ms it slowed a tsyolo
 * training epoch by ~18 %, so it is read every `pssIntervalMs` only.
 */
export function watchTreeMemory(pid: number, intervalMs = 250, pssIntervalMs = 5000): { stop: () => TreeMemoryPeak } {
  const peak = { rss: 0, pss: 0, processes: 0 };
  let lastPss = -Infinity;
  const sample = () => {
    const pids = descendantsAndSelf(pid);
    peak.rss = Math.max(peak.rss, pids.reduce((sum, p) => sum + rss(p), 0));
    peak.processes = Math.max(peak.processes, pids.length);
    const now = performance.now();
    if (now - lastPss >= pssIntervalMs) {
      lastPss = now;
      peak.pss = Math.max(peak.pss, pids.reduce((sum, p) => sum + pss(p), 0));
    }
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { rssMb: Math.round(peak.rss / 1024), pssMb: Math.round(peak.pss / 1024), processes: peak.processes };
    },
  };
}
