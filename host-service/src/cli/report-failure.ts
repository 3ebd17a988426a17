import { FilingSyncError, ConfigError, LicenceError, StoreBusy } from '@filing-sync/core';

/**
 * Exit codes, stable for scripts and service managers. `busy` (another process uses the state
 * store) is deliberately not among the codes the service units refuse to restart on: the store
 * frees up when the other process stops.
 */
export const EXIT = { ok: 0, failed: 1, config: 2, auth: 3, licence: 4, busy: 5 } as const;

/**
 * Prints an error for a person (what went wrong, what to do) and returns the exit code.
 * Never prints a stack for an error the taxonomy knows, nor for a system call that failed (its
 * message names the call, the code and the path); only an unexpected error shows its stack.
 */
export function reportFailure(err: unknown): number {
  if (err instanceof FilingSyncError) {
    process.stderr.write(`error: ${err.message}\n${err.action}\n`);
    if (err instanceof ConfigError) return EXIT.config;
    if (err instanceof LicenceError) return EXIT.licence;
    if (err instanceof StoreBusy) return EXIT.busy;
    return err.kind === 'auth' ? EXIT.auth : EXIT.failed;
  }
  const e = err as NodeJS.ErrnoException | undefined;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    process.stderr.write(`error: ${e.message}\nCheck the path and the permissions of the account filing-sync runs as.\n`);
    return EXIT.failed;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}
