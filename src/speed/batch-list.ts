// `--batch 1,8`: the batch sizes `tsyolo speed` times. No imports, so the CLI can check the flag before loading
// anything.

/** Batch sizes as typed: '1,8' → [1, 8]; anything else is an Error naming the flag and the value. */
export function parseBatchList(raw: unknown, flag = '--batch'): number[] {
  const text = Array.isArray(raw) ? raw.join(',') : typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`${flag} takes a comma-separated list of batch sizes (e.g. 1,8), got ${JSON.stringify(raw)}`);
  return text.split(',').map((part) => {
    const t = part.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1) throw new Error(`${flag} '${text}': '${t}' is not a positive integer batch size (use e.g. --batch 1,8)`);
    return Number(t);
  });
}
