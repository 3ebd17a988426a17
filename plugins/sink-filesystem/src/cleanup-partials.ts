/**
 * Removes partial files an interrupted write left in a target folder.
 * @packageDocumentation
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@filing-sync/core';

/** Names of the partial and probe files this sink writes: `.<name>.<hex>.partial`. */
export const PARTIAL_FILE_PATTERN = /^\..+\.[0-9a-f]{16}\.partial$/;

/** Options of {@link cleanupPartials}. */
export interface CleanupOptions {
  /** Only partials last touched longer ago than this are removed (default 10 minutes). */
  olderThanMs?: number;
  /**
   * 8 hex digits marking this installation's own partials (the start of their hex part): those
   * are removed whatever their age, since no write of this installation is in progress.
   */
  ownMark?: string;
  /**
   * When set, only own partials last changed before this time (epoch ms, e.g. the process's start) are removed at
   * once; later ones may be in progress under another target naming the same folder, and wait for the age rule.
   */
  ownBefore?: number;
  /** The time to measure age against (tests). */
  now?: number;
  logger?: Logger;
}

/**
 * Removes this sink's stray `.<name>.<hex>.partial` files in `folder` (not in subfolders: partials
 * are only ever written beside their final name): this installation's own (`ownMark`) at once,
 * others only when their last change is older than `olderThanMs`, so a write still in progress
 * by another connector is not touched. The age is the newer of mtime and ctime,
 * because a partial already carries the message's sent time as mtime.
 *
 * The host calls it through {@link FilesystemSink.recover} once per target, when the engine first
 * uses the sink after start, before anything new is written there. Resolves with how many files
 * were removed; a missing folder counts as none; a file it cannot remove is logged and left.
 * Never rejects except for an unreadable folder (other than missing).
 * @public
 */
export async function cleanupPartials(folder: string, options: CleanupOptions = {}): Promise<number> {
  const olderThan = options.olderThanMs ?? 10 * 60_000;
  const now = options.now ?? Date.now();
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!PARTIAL_FILE_PATTERN.test(name)) continue;
    const file = path.join(folder, name);
    try {
      const s = await lstat(file);
      if (!s.isFile()) continue;
      const changed = Math.max(s.mtimeMs, s.ctimeMs);
      const own = options.ownMark !== undefined && name.slice(-'0123456789abcdef.partial'.length).startsWith(options.ownMark) && changed < (options.ownBefore ?? Infinity);
      if (!own && now - changed < olderThan) continue;
      await unlink(file);
      removed++;
    } catch (err) {
      options.logger?.warn({ file, err: (err as Error).message }, 'could not remove a stray partial file');
    }
  }
  return removed;
}
