/**
 * A reference sink that keeps files in memory (rclone's `memory` backend plays the same part):
 * the suite's own checks run against it, correct and deliberately broken.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import {
  AuthError,
  PermanentError,
  PermissionDenied,
  TargetMissing,
  WINDOWS_PATH_RULES,
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
} from '@filing-sync/core';

interface Stored {
  name: string;
  bytes: Buffer;
  modifiedAt: Date;
}

/** Every folder of every memory sink in a test file, by path (`root/a/b`). */
export class MemoryStore {
  readonly folders = new Map<string, Map<string, Stored>>();
  readonly readOnly = new Set<string>();
  /** Roots that exist, like mounted drives. */
  readonly roots = new Set<string>(['mem']);

  files(folder: string): Stored[] {
    return [...(this.folders.get(folder)?.values() ?? [])];
  }
}

/** Ways to break the sink on purpose, each of which some check must catch. */
export interface MemorySinkFaults {
  /** `create` replaces an existing file instead of refusing. */
  clobbers?: boolean;
  /** The reported hash is not the content's. */
  wrongHash?: boolean;
  /** Large files lose their last byte. */
  truncatesLarge?: boolean;
  /** Refused writes throw a plain Error instead of PermissionDenied. */
  untypedDenied?: boolean;
  /** Names are stored lower-cased. */
  lowercasesNames?: boolean;
}

const THRESHOLD = 64 * 1024;

/** A sink over one folder of a {@link MemoryStore}. */
export class MemorySink implements Sink {
  readonly capabilities: SinkCapabilities = {
    pathRules: WINDOWS_PATH_RULES,
    hashKind: 'sha256',
    atomicCreate: true,
    largeUploadThreshold: THRESHOLD,
    setsModifiedTime: true,
  };
  readonly folderPathLength: number;
  readonly displayPath: string;

  constructor(
    private readonly store: MemoryStore,
    private readonly folder: string,
    private readonly options: { badCredentials?: boolean; faults?: MemorySinkFaults } = {},
  ) {
    this.folderPathLength = `/${folder}/`.length;
    this.displayPath = `mem://${folder}/`;
  }

  async check(): Promise<TargetAccess> {
    if (this.options.badCredentials) throw new AuthError('memory: the test credentials are refused');
    if (!this.store.roots.has(this.folder.split('/')[0]!)) return 'missing';
    return this.store.readOnly.has(this.folder) ? 'denied' : 'writable';
  }

  async stat(name: string): Promise<EntryInfo | undefined> {
    if (this.options.badCredentials) throw new AuthError('memory: the test credentials are refused');
    const found = this.store.folders.get(this.folder)?.get(name.toLowerCase());
    return found && this.entry(found);
  }

  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const faults = this.options.faults ?? {};
    if (this.options.badCredentials) throw new AuthError('memory: the test credentials are refused');
    if (!this.store.roots.has(this.folder.split('/')[0]!)) throw new TargetMissing(`memory: no root for ${this.displayPath}`);
    if (this.store.readOnly.has(this.folder)) {
      throw faults.untypedDenied ? new Error('EACCES: read-only') : new PermissionDenied(`memory: ${this.displayPath} is read-only`);
    }
    let bytes = content.size >= THRESHOLD ? await collect(content) : await content.bytes();
    if (bytes.length !== content.size) throw new PermanentError('memory: the content changed size while read');
    if (faults.truncatesLarge && content.size >= THRESHOLD) bytes = bytes.subarray(0, bytes.length - 1);
    // Everything from here on is synchronous, so no other create can slip in: atomic.
    let folder = this.store.folders.get(this.folder);
    if (!folder) {
      folder = new Map();
      this.store.folders.set(this.folder, folder);
    }
    const key = name.toLowerCase();
    const existing = folder.get(key);
    if (existing && !faults.clobbers) return { created: false, existing: this.entry(existing) };
    const stored = { name: faults.lowercasesNames ? key : name, bytes: Buffer.from(bytes), modifiedAt: options.modifiedAt };
    folder.set(key, stored);
    return { created: true, entry: this.entry(stored) };
  }

  private entry(s: Stored): EntryInfo {
    const hash = createHash('sha256').update(this.options.faults?.wrongHash ? Buffer.concat([s.bytes, Buffer.from('x')]) : s.bytes).digest('hex');
    return { name: s.name, path: this.displayPath + s.name, size: s.bytes.length, hash, modifiedAt: s.modifiedAt };
  }
}

async function collect(content: Content): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
