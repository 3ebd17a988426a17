/**
 * A target folder on a local disk or a network share.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  PermanentError,
  PermissionDenied,
  TargetMissing,
  TransientError,
  WINDOWS_PATH_RULES,
  cutToLength,
  hashFile,
  GroupCommit,
  retrying,
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  type PathRules,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
} from '@filing-sync/core';
import { isInside, realpathOfExisting } from './allowed-roots.js';
import { cleanupPartials } from './cleanup-partials.js';
import { mapFsError } from './fs-errors.js';

/**
 * Windows naming rules on every platform, so a folder later opened from Windows stays valid.
 * Off Windows, lengths are counted in UTF-8 bytes: Linux filesystems limit a name to 255 bytes,
 * and a name within 255 bytes is also within 255 UTF-16 units, so the rules stay Windows-safe.
 * @public
 */
export function filesystemPathRules(platform: NodeJS.Platform = process.platform): PathRules {
  return platform === 'win32' ? WINDOWS_PATH_RULES : { ...WINDOWS_PATH_RULES, lengthUnit: 'utf8' };
}

/** The brief in-sink retry of a publish blocked by a scanner or indexer holding the file. */
export const PUBLISH_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 1_000 };

/** The filesystem calls that publish a partial, replaceable in tests to simulate a locked file. */
export interface PublishOps {
  link(existing: string, created: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/** Where a {@link FilesystemSink} writes and what it may touch. */
export interface FilesystemSinkOptions {
  /** The target folder, native and absolute. */
  folder: string;
  /** The allowed root that holds it (already checked lexically). */
  root: string;
  /** Every allowed root: after resolving symlinks the folder must still be inside one. */
  allowedRoots: readonly string[];
  partialMaxAgeMs: number;
  /**
   * 8 hex digits of this connector installation ({@link SinkContext.instanceId}): they start the
   * partial files' hex part, so `recover` removes this installation's own leftovers at once.
   */
  instanceId?: string;
  /**
   * This installation's partials last changed before this time (epoch ms) are left over from an earlier run and
   * removed at once by `recover`; later ones may be in progress. Default: when this process started.
   */
  ownPartialsBefore?: number;
  logger?: Logger;
  /** Test seam; defaults to `node:fs/promises`. */
  ops?: PublishOps;
  platform?: NodeJS.Platform;
}

/**
 * How long a verified target folder (allowed root present, folder created, real path inside an
 * allowed root) is taken as still fine before `create` verifies it again. A write that fails
 * verifies again at once.
 */
const FOLDER_RECHECK_MS = 5_000;

/**
 * How long the folder's listing (for names differing only in case) is reused. A file someone
 * else created in that time under another case could be missed: the two then differ in case on
 * a case-sensitive filesystem, which loses nothing. Re-reading a large folder for every file would
 * make filing into it quadratic.
 */
const LISTING_TTL_MS = 2_000;

/** When this process started (epoch ms): its own partials from before then are surely not in progress. */
const PROCESS_STARTED = Date.now() - performance.now();

/** Contents up to this size are written with one call rather than streamed. */
const ONE_WRITE_MAX = 8 * 1024 * 1024;

// Errors of `link` that mean "this filesystem has no hard links" rather than a problem with the file.
const NO_HARD_LINKS = new Set(['ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Writes files into one folder with no-clobber, crash-safe semantics:
 * `.<name>.<random>.partial` in the target folder, fsync, mtime/atime set to the sent time, then
 * published under the final name WITHOUT replacing: a hard link (`link` fails with EEXIST when the
 * name is taken, on Linux and on NTFS alike) and unlink of the partial; then the folder is fsynced.
 * A reader sees no file or the whole file. Where the filesystem has no hard links (FAT, some NAS
 * shares) it falls back to "check, then rename", one at a time per name within this sink: still atomic
 * for readers, but a file created by another program in the instant between the check and the rename
 * would be replaced.
 * @public
 */
export class FilesystemSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly folderPathLength: number;
  readonly displayPath: string;
  private readonly ops: PublishOps;
  private readonly windows: boolean;
  private folderVerifiedAt = Number.NEGATIVE_INFINITY;
  /** Stored names by lower-case name, as last listed (plus what this sink published since). */
  private listing: { at: number; names: Map<string, string> } | undefined;
  /** Files published together share one folder sync. */
  private readonly folderSync = new GroupCommit<void>(() => this.syncFolder());

  constructor(private readonly options: FilesystemSinkOptions) {
    const platform = options.platform ?? process.platform;
    this.windows = platform === 'win32';
    const pathRules = filesystemPathRules(platform);
    this.capabilities = { pathRules, hashKind: 'sha256', atomicCreate: true, setsModifiedTime: true };
    this.displayPath = options.folder;
    const withSep = options.folder.endsWith(path.sep) ? options.folder : options.folder + path.sep;
    this.folderPathLength = pathRules.lengthUnit === 'utf8' ? Buffer.byteLength(withSep) : withSep.length;
    this.ops = options.ops ?? { link, rename };
  }

  /**
   * `missing` when the allowed root (drive, share, mount) does not exist; otherwise creates the
   * folder if needed and writes and removes a probe file: `writable`, or `denied` on
   * EACCES/EPERM/EROFS (also when a symlink leads outside the allowed roots). Rejects with
   * {@link TransientError} for a full disk or busy share.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    signal?.throwIfAborted();
    try {
      await this.ensureFolder();
      this.folderVerifiedAt = Date.now();
      const probe = path.join(this.options.folder, `.filing-sync-probe.${this.partialMark()}.partial`);
      const fh = await open(probe, 'wx');
      try {
        await fh.write('probe');
      } finally {
        await fh.close();
        await unlink(probe).catch(() => undefined);
      }
      return 'writable';
    } catch (raw) {
      const err = mapFsError(raw, this.displayPath);
      if (err instanceof TargetMissing) return 'missing';
      if (err instanceof PermissionDenied) return 'denied';
      throw err;
    }
  }

  /**
   * The file called `name` (compared case-insensitively, as the Windows rules say), with its
   * SHA-256 computed by reading it, or `undefined`. Something else under that name (a folder, a
   * link) is reported without a hash, so it never counts as identical. Rejects like
   * {@link FilesystemSink.create}.
   */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    signal?.throwIfAborted();
    const stored = await this.storedName(name);
    if (stored === undefined) return undefined;
    const file = this.pathOf(stored);
    let s: Stats;
    try {
      s = await lstat(file);
    } catch (raw) {
      const code = (raw as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw mapFsError(raw, file);
    }
    const entry: EntryInfo = { name: stored, path: file, size: s.isFile() ? s.size : 0, modifiedAt: s.mtime };
    if (s.isFile()) {
      try {
        entry.hash = await hashFile(file, 'sha256');
      } catch (raw) {
        throw mapFsError(raw, file);
      }
    }
    return entry;
  }

  /**
   * Writes `content` as `name` unless the name is taken (`{created: false}`, nothing written).
   * Creates missing folders. Rejects with {@link TargetMissing} when the allowed root does not
   * exist, {@link PermissionDenied} on EACCES/EPERM/EROFS or a symlink leading outside the allowed
   * roots, {@link TransientError} on a full disk (ENOSPC/EDQUOT) or a file still locked after the
   * brief publish retry, {@link PermanentError} for a name that is too long or not a single name.
   * Any partial file is removed on failure or abort.
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    this.assertSingleName(name);
    options.signal?.throwIfAborted();
    if (Date.now() - this.folderVerifiedAt > FOLDER_RECHECK_MS) {
      await this.ensureFolder();
      this.folderVerifiedAt = Date.now();
    }
    const final = this.pathOf(name);
    // Under the Windows rules a name differing only in case is taken too, which link() on a
    // case-sensitive filesystem would not see: the folder's listing answers that. A taken exact
    // name needs no call here: the publish step refuses it, and is what guarantees no-clobber.
    if ((await this.listedNames()).has(name.toLowerCase())) {
      const existing = await this.stat(name, options.signal);
      if (existing) return { created: false, existing };
    }
    const partial = this.partialPathFor(name);
    try {
      await this.writePartial(partial, content, options);
      const published = await this.publish(partial, final, options.signal);
      if (!published) {
        await removeQuietly(partial);
        const holder = await this.stat(name, options.signal);
        return holder ? { created: false, existing: holder } : { created: false };
      }
      await removeQuietly(partial);
      this.listing?.names.set(name.toLowerCase(), name);
      await this.folderSync.add();
      const entry: EntryInfo = {
        name, path: final, size: content.size, modifiedAt: options.modifiedAt, hash: await content.digest('sha256'),
      };
      return { created: true, entry };
    } catch (raw) {
      this.folderVerifiedAt = Number.NEGATIVE_INFINITY;
      await removeQuietly(partial);
      throw mapFsError(raw, final);
    }
  }

  /**
   * Removes this installation's own stray partials at once (only this process writes with its
   * instance id, and the engine calls this before it writes here), and anyone else's once older
   * than the configured age (see {@link cleanupPartials}).
   */
  async recover(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    // Nothing is removed through a link that leads out of the allowed roots.
    await this.assertInsideRoots();
    return cleanupPartials(this.options.folder, {
      olderThanMs: this.options.partialMaxAgeMs,
      // Two targets may name one folder (another spelling, a trailing separator): this process's own partials from
      // after its start may be in progress under the other target's sink.
      ...(this.options.instanceId ? { ownMark: this.options.instanceId, ownBefore: this.options.ownPartialsBefore ?? PROCESS_STARTED } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }

  private pathOf(name: string): string {
    return path.join(this.options.folder, name);
  }

  private assertSingleName(name: string): void {
    if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name) || name.includes('\0')) {
      throw new PermanentError(`"${name}" is not a single file name; names must come from the namer.`);
    }
  }

  /**
   * `.<name>.<16 hex>.partial`, the hex being this installation's id then random digits, the name
   * cut so the partial's own name still fits 255 units.
   */
  private partialPathFor(name: string): string {
    const unit = this.capabilities.pathRules.lengthUnit;
    const room = 255 - '.'.length - '.0123456789abcdef.partial'.length;
    // A name whose first character cluster alone is longer than the room would leave nothing, and a nameless
    // partial would not be recognised by the clean-up.
    const stem = cutToLength(name, room, unit) || 'message';
    return this.pathOf(`.${stem}.${this.partialMark()}.partial`);
  }

  /** 16 hex digits for a partial or probe file: this installation's id, then random ones. */
  private partialMark(): string {
    const id = this.options.instanceId;
    return id !== undefined && /^[0-9a-f]{8}$/.test(id) ? id + randomHex().slice(8) : randomHex();
  }

  /**
   * Makes sure the allowed root exists (an unmounted share must not become a local folder), creates
   * the target folder below it, and checks that its real path is still inside an allowed root.
   */
  private async ensureFolder(): Promise<void> {
    const { root, folder, allowedRoots } = this.options;
    try {
      const s = await lstat(root);
      if (!s.isDirectory() && !s.isSymbolicLink()) throw new TargetMissing(`The allowed root ${root} is not a folder.`);
    } catch (raw) {
      if ((raw as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new TargetMissing(`The allowed root ${root} does not exist (drive or share not mounted?).`, { cause: raw });
      }
      throw mapFsError(raw, root);
    }
    // Checked before the folders are made, so that a link out of the roots gets no folder made through it, and after.
    await this.assertInsideRoots();
    try {
      await mkdir(folder, { recursive: true });
    } catch (raw) {
      throw mapFsError(raw, folder);
    }
    await this.assertInsideRoots();
  }

  /**
   * Rejects with {@link PermissionDenied} when the target folder's real path (as far as it exists, symlinks and
   * junctions resolved) is outside every allowed root.
   */
  private async assertInsideRoots(): Promise<void> {
    const { folder, allowedRoots } = this.options;
    const real = await realpathOfExisting(folder);
    const realRoots = await Promise.all(allowedRoots.map((r) => realpathOfExisting(r).catch(() => r)));
    if (!realRoots.some((r) => isInside(real, r, this.windows ? path.win32 : path.posix))) {
      throw new PermissionDenied(`${folder} leads to ${real} through a link, which is outside the allowed roots.`, {
        action: 'Point the target at a folder inside an allowed root, or allow the real folder (sinks.filesystem.allowedRoots).',
      });
    }
  }

  private async writePartial(partial: string, content: Content, options: CreateOptions): Promise<void> {
    // A large spooled message is copied by the kernel: none of it passes through this process.
    const copied = content.localPath !== undefined && content.size > ONE_WRITE_MAX;
    if (copied) {
      await copyFile(content.localPath!, partial, fsConstants.COPYFILE_EXCL);
      options.signal?.throwIfAborted();
    }
    const fh = await open(partial, copied ? 'r+' : 'wx');
    try {
      let written = 0;
      if (copied) written = (await fh.stat()).size;
      else if (content.size <= ONE_WRITE_MAX) {
        const buf = await content.bytes();
        // writeFile writes until the whole buffer is down and rejects otherwise (a full disk): the new file holds
        // exactly these bytes, so no fstat is needed to know its size.
        await fh.writeFile(buf);
        written = buf.length;
      } else {
        for await (const chunk of content.open()) {
          options.signal?.throwIfAborted();
          // writeFile writes until the whole chunk is down and throws on a full disk; a bare write may stop short.
          await fh.writeFile(chunk as Buffer);
        }
        // What is on the disk, not what was handed over, decides: a file cut short must never be published.
        written = (await fh.stat()).size;
      }
      if (written !== content.size) {
        throw new TransientError(`The content to write changed size (${written} bytes read, ${content.size} expected).`);
      }
      // The sent time travels with the inode, so the published link carries it too.
      await fh.utimes(options.modifiedAt, options.modifiedAt);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }


  /**
   * Publishes the partial under the final name without replacing. Resolves `false` when the name
   * is taken. EBUSY (and EPERM on Windows, where a scanner holding the file gives EPERM) are retried
   * briefly: the one retry a sink does on its own.
   */
  private async publish(partial: string, final: string, signal?: AbortSignal): Promise<boolean> {
    const lockedCodes = this.windows ? ['EBUSY', 'EPERM', 'EACCES'] : ['EBUSY'];
    const attempt = async (op: () => Promise<void>): Promise<boolean> =>
      retrying(
        async () => {
          try {
            await op();
            return true;
          } catch (raw) {
            const code = (raw as NodeJS.ErrnoException).code ?? '';
            if (code === 'EEXIST') return false;
            if (lockedCodes.includes(code)) throw new TransientError(`${final} is locked (${code}).`, { cause: raw });
            // Mapped here: retrying() would otherwise read an unknown errno as permanent.
            throw mapFsError(raw, final);
          }
        },
        { policy: PUBLISH_RETRY_POLICY, ...(signal ? { signal } : {}) },
      );
    try {
      return await attempt(() => this.ops.link(partial, final));
    } catch (raw) {
      const code = ((raw as { cause?: NodeJS.ErrnoException }).cause ?? (raw as NodeJS.ErrnoException)).code ?? '';
      // Linux returns EPERM from link(2) when the filesystem has no hard links (FAT, some shares); on Windows,
      // CreateHardLink fails with ERROR_INVALID_FUNCTION there, which libuv reports as EISDIR.
      if (!NO_HARD_LINKS.has(code) && !(code === 'EPERM' && !this.windows) && !(code === 'EISDIR' && this.windows)) throw raw;
    }
    // No hard links here: check, then rename (see the class comment for what this gives up). This sink's own
    // writers of one name take turns, so that two filings with the same name cannot both pass the check.
    const key = final.toLowerCase();
    const before = this.renames.get(key) ?? Promise.resolve();
    const turn = before.then(async () => {
      if (await exists(final)) return false;
      return attempt(() => this.ops.rename(partial, final));
    });
    const settled = turn.then(() => undefined, () => undefined);
    this.renames.set(key, settled);
    void settled.then(() => {
      if (this.renames.get(key) === settled) this.renames.delete(key);
    });
    return turn;
  }

  /** Check-then-rename publications under way, by lower-case final path (see {@link FilesystemSink.publish}). */
  private readonly renames = new Map<string, Promise<void>>();

  /** Flushes the folder entry so the new name survives a crash. Not available on Windows (NTFS journals it). */
  private async syncFolder(): Promise<void> {
    if (this.windows) return;
    let fh;
    try {
      fh = await open(this.options.folder, 'r');
      await fh.sync();
    } catch (raw) {
      // Some network filesystems refuse fsync on a folder; the data itself is already synced.
      const code = (raw as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EBADF') throw raw;
    } finally {
      await fh?.close();
    }
  }

  /**
   * The stored spelling of `name`, or `undefined` when no entry has it. Names differing only in
   * case are one name under the Windows rules this sink declares, also on a case-sensitive Linux
   * filesystem, so that a folder later opened from Windows holds no two such files. (Two writers
   * racing with names differing only in case could still both land on Linux; the engine never
   * runs two writers of one filing.)
   */
  private async storedName(name: string): Promise<string | undefined> {
    const folded = name.toLowerCase();
    let found = false;
    try {
      await lstat(this.pathOf(name));
      // Found as asked; on a case-sensitive filesystem that is the spelling.
      if (!this.windows && process.platform !== 'darwin') return name;
      found = true;
    } catch (raw) {
      const code = (raw as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw mapFsError(raw, this.pathOf(name));
    }
    // A case-insensitive filesystem found it under some spelling: the listing must know which.
    let names = await this.listedNames();
    if (found && !names.has(folded)) names = await this.listedNames(true);
    // A listed name may have gone since; the caller's lstat of it then finds nothing.
    return names.get(folded) ?? (found ? name : undefined);
  }

  /**
   * The folder's names by lower-case name: the last listing while younger than
   * {@link LISTING_TTL_MS} (kept current with this sink's own files), else a new one. Empty when
   * the folder does not exist.
   */
  private async listedNames(fresh = false): Promise<Map<string, string>> {
    if (fresh || !this.listing || Date.now() - this.listing.at > LISTING_TTL_MS) {
      let names: string[];
      try {
        names = await readdir(this.options.folder);
      } catch (raw) {
        const code = (raw as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
        throw mapFsError(raw, this.options.folder);
      }
      const byFolded = new Map<string, string>();
      for (const n of names) if (!byFolded.has(n.toLowerCase())) byFolded.set(n.toLowerCase(), n);
      this.listing = { at: Date.now(), names: byFolded };
    }
    return this.listing.names;
  }
}

function randomHex(): string {
  return randomBytes(8).toString('hex');
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (raw) {
    if ((raw as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw raw;
  }
}

async function removeQuietly(p: string): Promise<void> {
  await unlink(p).catch(() => undefined);
}
