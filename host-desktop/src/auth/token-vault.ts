import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@filing-sync/core';

/**
 * Where the vault's encryption key can be kept: the OS keychain (Windows Credential Manager,
 * macOS Keychain, Secret Service on Linux). `undefined` from `read` means "no key yet".
 * Both methods reject when the keychain cannot be used.
 * @public
 */
export interface KeyStore {
  /** Shown to the user: where the key lives. */
  readonly description: string;
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
}

/** The part of {@link TokenVault} the sign-in providers use. @public */
export interface TokenStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** How the vault protects what it stores. @public */
export type VaultProtection = 'keychain' | 'user-only-file';

/** The vault file as stored. */
interface VaultFile {
  version: 1;
  /** `keychain`: entries are AES-256-GCM sealed with a key kept in the OS keychain; `none`: plain, in a 0600 file. */
  sealing: 'keychain' | 'none';
  entries: Record<string, string | Sealed>;
}

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/**
 * The signed-in user's tokens, kept per user: in `tokens.json` in the user's own state folder,
 * readable only by the user (mode 0600, written whole and renamed into place), and sealed with
 * AES-256-GCM under a key held in the OS keychain where one is available. The keychain holds only
 * that 32-byte key: the tokens themselves can exceed what a keychain entry takes (Windows
 * Credential Manager stops at 2.5 KB). Where no keychain answers (a headless Linux session), the
 * file alone protects them.
 *
 * Writes are serialised, so a refresh token rotated while another is being stored is never lost.
 * @public
 */
export class TokenVault implements TokenStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly key: Buffer | undefined,
    /** Where the key lives, or why none is used. */
    readonly where: string,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Opens the vault in `dir` (created 0700 when missing). Tries the keychain first; when it cannot
   * be used, falls back to the file alone and says so in the log. Never rejects for an absent
   * keychain; rejects when `dir` cannot be created.
   */
  static async open(dir: string, options: { keyStore?: KeyStore | undefined; logger?: Logger } = {}): Promise<TokenVault> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'tokens.json');
    let key: Buffer | undefined;
    let where = 'a file readable only by you';
    if (options.keyStore) {
      try {
        key = await keyFrom(options.keyStore);
        where = options.keyStore.description;
      } catch (err) {
        options.logger?.warn({ err: (err as Error).message }, 'no OS keychain available: tokens are kept in a file readable only by this user');
      }
    }
    return new TokenVault(file, key, where, options.logger);
  }

  /** How stored values are protected. */
  get protection(): VaultProtection {
    return this.key ? 'keychain' : 'user-only-file';
  }

  /**
   * The value stored under `name`, or `undefined`. A value sealed with a key this session does not
   * have (the keychain became unavailable) reads as `undefined`: the user signs in again.
   */
  async get(name: string): Promise<string | undefined> {
    await this.queue.catch(() => {});
    const vault = await this.load();
    const entry = vault.entries[name];
    if (entry === undefined) return undefined;
    if (typeof entry === 'string') return entry;
    if (!this.key) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(entry.iv, 'base64'));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      this.logger?.warn({ entry: name }, 'a stored sign-in could not be unsealed (the keychain key changed); sign in again');
      return undefined;
    }
  }

  /** Stores `value` under `name`, durably, before resolving. Rejects when the file cannot be written. */
  set(name: string, value: string): Promise<void> {
    return this.update((entries) => {
      entries[name] = this.key ? seal(this.key, name, value) : value;
    });
  }

  /** Forgets `name`. Resolves also when it was not stored. */
  delete(name: string): Promise<void> {
    return this.update((entries) => {
      delete entries[name];
    });
  }

  private update(change: (entries: VaultFile['entries']) => void): Promise<void> {
    const next = this.queue.catch(() => {}).then(async () => {
      const vault = await this.load();
      // Values sealed with another key (or none) cannot be read by this session: drop them.
      const sealing = this.key ? 'keychain' : 'none';
      if (vault.sealing !== sealing) vault.entries = {};
      vault.sealing = sealing;
      change(vault.entries);
      await this.save(vault);
    });
    this.queue = next;
    return next;
  }

  private async load(): Promise<VaultFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sealing: this.key ? 'keychain' : 'none', entries: {} };
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as VaultFile;
      if (parsed && parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') return parsed;
    } catch {
      // fall through: an unreadable vault is replaced; the user signs in again
    }
    this.logger?.warn({ file: this.file }, 'the token file was unreadable and is replaced; sign in again');
    return { version: 1, sealing: this.key ? 'keychain' : 'none', entries: {} };
  }

  private async save(vault: VaultFile): Promise<void> {
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    // Created 0600 from the start: never a moment where another user could read it.
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(vault)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await chmod(tmp, 0o600);
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
}

async function keyFrom(store: KeyStore): Promise<Buffer> {
  const existing = await store.read();
  if (existing) {
    const key = Buffer.from(existing, 'base64');
    if (key.length === 32) return key;
  }
  const key = randomBytes(32);
  await store.write(key.toString('base64'));
  // A keychain that accepts writes but does not keep them (no daemon behind it) is no keychain.
  if ((await store.read()) !== key.toString('base64')) throw new Error('the keychain did not keep the key');
  return key;
}

function seal(key: Buffer, name: string, value: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name));
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}
