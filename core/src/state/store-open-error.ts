import { ConfigError, FilingSyncError } from '../errors.js';
import type { StateStore } from './state-store.js';

/** SQLite result codes (primary, before any `_` extension) that mean the files cannot be used as they are. */
const ACCESS_CODES = new Set(['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH', 'SQLITE_NOTADB']);

/**
 * The error {@link StateStore.open} throws for `err`: a failure to create, open or write the
 * store becomes a {@link ConfigError} for `stateDir` that names the folder and the system's
 * reason (the user must fix the folder, its permissions or its disk); taxonomy errors (a busy
 * store, a newer schema) and anything else are returned as they are. Internal to the state store.
 */
export function openError(err: unknown, dir: string): unknown {
  if (err instanceof FilingSyncError) return err;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const reason = `${typeof e?.message === 'string' ? e.message : String(err)}${code && !String(e?.message).includes(code) ? ` (${code})` : ''}`;
  if (code?.startsWith('SQLITE_')) {
    const primary = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
    if (!ACCESS_CODES.has(primary)) return err;
    if (primary === 'SQLITE_NOTADB') {
      return new ConfigError([{ key: 'stateDir', expected: `a folder whose state.sqlite is a filing-sync state store (${dir}: ${reason})` }], {
        cause: err,
        action: 'Choose another state folder (--state-dir / stateDir), or move the foreign state.sqlite out of this one.',
      });
    }
    return new ConfigError([{ key: 'stateDir', expected: `a state folder whose store this account may open and write (${dir}: ${reason})` }], {
      cause: err,
      action: 'Give the account filing-sync runs as read and write permission on the state folder and the files in it (and a disk that is not read-only), or choose another with --state-dir / stateDir.',
    });
  }
  if (code && /^E[A-Z]+$/.test(code)) {
    return new ConfigError([{ key: 'stateDir', expected: `a folder the state store can be created in (${dir}: ${reason})` }], {
      cause: err,
      action: 'Choose a state folder (--state-dir / stateDir) that is a folder, or can be created as one, and that the account filing-sync runs as may write.',
    });
  }
  return err;
}
