import { AuthError, type Credential, type CredentialRequest, type Logger } from '@filing-sync/core';
import type { AccountStatus, AuthorizationStart, InteractiveCredentialProvider } from './interactive-provider.js';
import type { TokenStore } from './token-vault.js';

/** Tokens as a sign-in or refresh returns them. @public */
export interface TokenSet {
  accessToken: string;
  /** Absent when the service returned none (the old one then stays valid). */
  refreshToken?: string;
  /** Epoch milliseconds; `null` for a token that does not expire (Egnyte's). */
  expiresAt: number | null;
  user?: string;
}

/** Thrown by {@link TokenSetProvider.refresh} implementations when the service refuses the refresh token. @public */
export class RefreshRefused extends Error {}

/** Refresh this long before expiry, so a token handed out is good for the request it is for. */
const EARLY_MS = 60_000;

/**
 * The shared part of the interactive providers whose SDKs hand back plain tokens (Dropbox,
 * Box, Egnyte, ProjectWise): keeps the token set in the vault, refreshes once at a time, and
 * stores the refresh token each refresh returns before using the new access token, so a
 * single-use refresh token (Box) is never lost.
 * @public
 */
export abstract class TokenSetProvider implements InteractiveCredentialProvider {
  abstract readonly name: string;
  abstract readonly label: string;
  abstract readonly resources: readonly string[];
  private refreshing: Promise<TokenSet> | undefined;
  private stale = false;
  private problem: string | undefined;
  /**
   * Counts sign-ins and sign-outs. A refresh that began before one of them must not store what it
   * got: it would undo the sign-out, or overwrite the new sign-in with the old account's tokens.
   */
  private generation = 0;

  constructor(
    protected readonly vault: TokenStore,
    protected readonly logger: Logger,
  ) {}

  abstract startSignIn(redirectUri: string, state: string): Promise<AuthorizationStart>;

  /** Redeems the code; returns the tokens (with `user` filled in). */
  protected abstract redeem(callback: URL, codeVerifier: string, redirectUri: string, state: string): Promise<TokenSet>;

  /** Uses the refresh token; rejects with {@link RefreshRefused} when the service refuses it. */
  protected abstract refresh(refreshToken: string): Promise<TokenSet>;

  async finishSignIn(callback: URL, codeVerifier: string, redirectUri: string, state: string): Promise<void> {
    const tokens = await this.redeem(callback, codeVerifier, redirectUri, state);
    this.generation++;
    await this.save(tokens);
    this.problem = undefined;
    this.stale = false;
    this.logger.info({ account: this.name, user: tokens.user }, 'signed in');
  }

  /**
   * A valid access token, refreshed when within a minute of expiry. Rejects with AuthError when
   * nobody is signed in, the refresh token is refused, or the user signed out (or in again) while
   * the refresh ran (sign in again), TransientError when the service cannot be reached.
   */
  async get(_request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
    signal?.throwIfAborted();
    // Taken before the tokens are read: a sign-out while they are read must stop their refresh too.
    const generation = this.generation;
    let tokens = await this.load();
    if (!tokens) throw this.signInNeeded('nobody is signed in');
    if (this.stale || (tokens.expiresAt !== null && tokens.expiresAt - EARLY_MS <= Date.now())) tokens = await this.refreshOnce(tokens, generation);
    return {
      type: 'bearer',
      accessToken: tokens.accessToken,
      ...(tokens.expiresAt === null ? {} : { expiresAt: new Date(tokens.expiresAt) }),
      ...(tokens.user ? { account: tokens.user } : {}),
    };
  }

  invalidate(): void {
    this.stale = true;
  }

  async status(): Promise<AccountStatus> {
    const tokens = await this.load().catch(() => undefined);
    return {
      name: this.name,
      label: this.label,
      configured: true,
      signedIn: !!tokens,
      ...(tokens?.user ? { user: tokens.user } : {}),
      ...(tokens && tokens.expiresAt !== null ? { expiresAt: new Date(tokens.expiresAt).toISOString() } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  async signOut(): Promise<void> {
    this.generation++;
    await this.vault.delete(this.name);
    this.logger.info({ account: this.name }, 'signed out');
  }

  /** Refreshes `current` (read at sign-in `generation`), one refresh at a time; stores nothing once the sign-in changed. */
  private refreshOnce(current: TokenSet, generation: number): Promise<TokenSet> {
    this.refreshing ??= (async () => {
      if (!current.refreshToken) throw this.signInNeeded('the sign-in has expired and cannot be renewed');
      let next: TokenSet;
      try {
        next = await this.refresh(current.refreshToken);
      } catch (err) {
        if (err instanceof RefreshRefused) {
          if (generation !== this.generation) throw this.signInNeeded('signed out or signed in again while the sign-in was being renewed');
          this.problem = err.message;
          await this.vault.delete(this.name);
          throw this.signInNeeded(err.message);
        }
        throw err;
      }
      // Signed out (or in again) meanwhile: what this refresh got belongs to a sign-in that is gone.
      if (generation !== this.generation) throw this.signInNeeded('signed out or signed in again while the sign-in was being renewed');
      // Rotation: the new refresh token is stored before the access token is used; services that
      // return none keep the old one valid.
      const merged: TokenSet = { ...next, refreshToken: next.refreshToken ?? current.refreshToken, ...(next.user ?? current.user ? { user: next.user ?? current.user } : {}) };
      await this.save(merged);
      this.stale = false;
      return merged;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<TokenSet | undefined> {
    const text = await this.vault.get(this.name);
    return text ? (JSON.parse(text) as TokenSet) : undefined;
  }

  private save(tokens: TokenSet): Promise<void> {
    return this.vault.set(this.name, JSON.stringify(tokens));
  }

  private signInNeeded(why: string): AuthError {
    return new AuthError(`${this.label}: ${why}.`, { action: `Open the filing-sync window, Accounts, and sign in to ${this.label} again.` });
  }
}
