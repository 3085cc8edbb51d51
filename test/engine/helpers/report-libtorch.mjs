// Preloaded into a child process (node --import): at exit, says on stderr whether libtorch was mapped into it.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  const mapped = readFileSync('/proc/self/maps', 'utf8').includes('libtorch_cpu');
  process.stderr.write(mapped ? 'LIBTORCH-LOADED\n' : 'LIBTORCH-NOT-LOADED\n');
});
