import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TokenStorage } from 'box-node-sdk/box';
import type { AccessToken } from 'box-node-sdk/schemas';

/** What the token file holds. */
interface TokenFile {
  /** SHA-256 of the refresh token the config named when this file was started. */
  seed: string;
  accessToken?: string;
  refreshToken?: string;
  /** When the access token expires, ms since the epoch. */
  expiresAt?: number;
}

/**
 * Box OAuth tokens kept in a file, for box-node-sdk's `BoxOAuth`. Box refresh tokens are
 * single-use: each refresh returns a new one and spends the old, so every token the SDK receives
 * is written at once (to a temporary file, flushed, then renamed over the old one) before it is
 * used. The file remembers which configured refresh token it started from: when the config
 * names a different one (the user signed in again), that one wins. Owner-only permissions.
 * @public
 */
export class FileTokenStorage implements TokenStorage {
  private cache: TokenFile | undefined;

  constructor(
    /** The token file. */
    readonly file: string,
    /**
     * The refresh token in the config, if any. Without one, the file alone holds the tokens (as
     * the desktop sign-in writes them).
     */
    private readonly configuredRefreshToken?: string,
  ) {}

  async store(token: AccessToken): Promise<undefined> {
    const expiresAt = token.expiresIn === undefined ? undefined : Date.now() + token.expiresIn * 1000;
    const current = await this.load();
    await this.write({
      seed: current.seed,
      ...(token.accessToken ? { accessToken: token.accessToken } : {}),
      // A token reply without a refresh token keeps the one we have.
      refreshToken: token.refreshToken ?? current.refreshToken,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    return undefined;
  }

  async get(): Promise<AccessToken | undefined> {
    const f = await this.load();
    if (!f.refreshToken && !f.accessToken) return undefined;
    const expiresIn = f.expiresAt === undefined ? undefined : Math.floor((f.expiresAt - Date.now()) / 1000);
    return {
      ...(f.accessToken ? { accessToken: f.accessToken } : {}),
      ...(f.refreshToken ? { refreshToken: f.refreshToken } : {}),
      ...(expiresIn === undefined ? {} : { expiresIn }),
      tokenType: 'bearer',
    };
  }

  async clear(): Promise<undefined> {
    this.cache = undefined;
    await rm(this.file, { force: true });
    return undefined;
  }

  /** When the stored access token expires, if known. */
  async accessTokenExpiresAt(): Promise<Date | undefined> {
    const f = await this.load();
    return f.accessToken && f.expiresAt !== undefined ? new Date(f.expiresAt) : undefined;
  }

  private async load(): Promise<TokenFile> {
    if (this.cache) return this.cache;
    let stored: TokenFile | undefined;
    try {
      stored = JSON.parse(await readFile(this.file, 'utf8')) as TokenFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (this.configuredRefreshToken === undefined) {
      // Not cached while empty: the sign-in may write the file later.
      if (!stored) return { seed: '' };
      this.cache = stored;
      return stored;
    }
    const seed = seedOf(this.configuredRefreshToken);
    this.cache = stored && stored.seed === seed ? stored : { seed, refreshToken: this.configuredRefreshToken };
    return this.cache;
  }

  private async write(content: TokenFile): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(content));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
    this.cache = content;
  }
}

function seedOf(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}
