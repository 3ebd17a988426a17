import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by the CLI, for its side effect: V8's young generation stays small (1-2 MiB
 * semi-spaces) instead of growing to 16 MiB ones, unless the command line or NODE_OPTIONS sizes it.
 *
 * Why: the service host keeps little on its JS heap (about 25 MiB live) but streams messages of
 * any size through 64 KiB Buffers. A grown young generation is committed memory that mostly holds
 * garbage, and it lets dead Buffers wait longer for a scavenge. Kept small, the host's peak RSS
 * fell from about 125 to 113 MiB for a small message and from about 162 to 148 MiB for a 200 MiB
 * one (bench: `large-attachment`). Scavenges get more frequent but stay short, as little survives
 * them; the filing-throughput benchmark showed no loss.
 *
 * How: `--max-semi-space-size` takes effect only when the process starts, so the CLI instead
 * sets the growth factor to 1, which V8 reads each time it would grow the space. It must run
 * before the commands' modules are loaded: loading them is what grows the space.
 */
const sized = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) => /semi[-_]space/.test(a));
if (!sized) setFlagsFromString('--semi-space-growth-factor=1');
