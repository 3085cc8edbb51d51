// One rank of the collectives test, run as a child process:
//   node --import tsx rank.ts <scenario> <rank> <worldSize> <port>
// Prints one JSON line with what it saw (or {"error": message}) and exits 0 / 1.
import { ProcessGroup, TCPStore } from '../../../src/distributed/index.ts';
import * as torch from '../../../src/tensor/index.ts';

const [scenario, rankText, worldText, portText] = process.argv.slice(2);
const rank = Number(rankText);
const worldSize = Number(worldText);
const TIMEOUT_MS = scenario === 'absent' ? 3_000 : 60_000;

function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

try {
  const store = new TCPStore({ host: '127.0.0.1', port: Number(portText), worldSize, isMaster: rank === 0, timeoutMs: 60_000 });
  const group = new ProcessGroup(store, { rank, worldSize, timeoutMs: TIMEOUT_MS, deviceHost: '127.0.0.1' });
  if (scenario === 'collectives') {
    const sum = group.allreduce(torch.tensor([rank + 1, 10 * (rank + 1)]));
    const avg = group.allreduce(torch.tensor([rank + 1, 10 * (rank + 1)]), 'avg');
    const fromLast = group.broadcast(torch.full([3], rank, { dtype: 'int64' }), worldSize - 1);
    const big = group.allreduce(torch.ones([1000, 1000]));
    group.barrier();
    report({ rank, sum: sum.tolist(), avg: avg.tolist(), broadcast: fromLast.tolist(), bigMin: big.min().item(), bigMax: big.max().item() });
  } else if (scenario === 'dies') {
    // Rank 1 joins, then its process ends; rank 0's allreduce (60 s timeout) must fail at once, not hang.
    if (rank === 1) process.exit(0);
    group.allreduce(torch.ones([4]));
    report({ rank, unexpected: 'allreduce returned' });
  } else if (scenario === 'absent') {
    // Rank 1 joins, then never arrives at the allreduce.
    if (rank === 1) await new Promise((resolve) => setTimeout(resolve, 120_000));
    group.allreduce(torch.ones([4]));
    report({ rank, unexpected: 'allreduce returned' });
  }
  process.exit(0);
} catch (e) {
  report({ rank, error: (e as Error).message });
  process.exit(1);
}
