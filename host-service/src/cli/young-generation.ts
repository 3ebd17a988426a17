import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by the CLI, for its side effect: V8's young generation stays at its initial size
 * (1 MiB semi-spaces) instead of growing to 16 MiB ones, unless the command line or NODE_OPTIONS
 * sets its size itself.
 *
 * Why: the service host keeps little on its JS heap (about 25 MiB live), but streams messages of
 * any size through 64 KiB Buffers; with a grown young generation the dead Buffers and the space
 * itself (up to 48 MiB committed) raised the peak RSS of a 200 MiB message by about 20 MiB, and the
 * memory target (150 MB for a 200 MB attachment) holds only with it small. Scavenges get more
 * frequent but stay cheap (the live young set is small); the filing benchmarks show no loss.
 *
 * How: `--max-semi-space-size` takes effect only at start-up, so the CLI instead sets the growth
 * factor to 1 (the space's next size is its current size times the factor), which V8 reads each
 * time it would grow the space; no other flag reads it.
 */
const sized = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) => /semi[-_]space/.test(a));
if (!sized) setFlagsFromString('--semi-space-growth-factor=1');
