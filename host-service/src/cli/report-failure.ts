import { FilingSyncError, ConfigError, LicenceError } from '@filing-sync/core';

/** Exit codes, stable for scripts and service managers. */
export const EXIT = { ok: 0, failed: 1, config: 2, auth: 3, licence: 4 } as const;

/**
 * Prints an error for a person (what went wrong, what to do) and returns the exit code.
 * Never prints a stack for an error the taxonomy knows.
 */
export function reportFailure(err: unknown): number {
  if (err instanceof FilingSyncError) {
    process.stderr.write(`error: ${err.message}\n${err.action}\n`);
    if (err instanceof ConfigError) return EXIT.config;
    if (err instanceof LicenceError) return EXIT.licence;
    return err.kind === 'auth' ? EXIT.auth : EXIT.failed;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}
