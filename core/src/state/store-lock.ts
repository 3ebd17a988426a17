import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreBusy } from '../errors.js';

/**
 * Keeps a second process on this machine from using the same state store.
 *
 * The lock is a small SQLite file held in exclusive locking mode: the operating system releases
 * it when the process dies, so a crash never leaves a stale lock behind (no PID or age guessing).
 * @public
 */
export class StoreLock {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Takes the lock at `path`. Throws {@link StoreBusy} (a transient error: the store frees up
   * when the other process stops) naming the holder's pid when another process holds it; throws
   * the SQLite error when the lock file cannot be opened or written.
   */
  static acquire(path: string): StoreLock {
    const db = new Database(path, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // A write takes the exclusive lock, and exclusive locking mode keeps it until close.
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        const pid = readPid(`${path}.pid`);
        throw new StoreBusy({ dir: dirname(path), lockPath: path, ...(pid === undefined ? {} : { holderPid: pid }), cause: err });
      }
      throw err;
    }
    writeFileSync(`${path}.pid`, String(process.pid));
    return new StoreLock(db);
  }

  /** Releases the lock. Never throws. */
  release(): void {
    try {
      this.db.close();
    } catch {
      /* already closed */
    }
  }
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
