import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError, ConfigError, type CredentialProviderFactory, type Logger, type TSchema } from '@filing-sync/core';
import { DropboxSignIn, DropboxUserCredentialsSchema, type DropboxUserCredentials } from './dropbox-sign-in.js';
import type { AccountStatus, InteractiveCredentialProvider } from './interactive-provider.js';
import { MicrosoftSignIn, MicrosoftUserCredentialsSchema, type MicrosoftUserCredentials } from './microsoft-sign-in.js';
import { BOX_SIGN_IN, EGNYTE_SIGN_IN, OAuthCodeProvider, OAuthUserCredentialsSchema, PROJECTWISE_SIGN_IN, type OAuthService, type OAuthUserCredentials } from './oauth-code-provider.js';
import type { TokenStore } from './token-vault.js';
import { UiRequestError } from '../ui-request-error.js';

/** One cloud the user can sign in to. @public */
export interface SignInService {
  /** Config section under `credentials`. */
  name: string;
  label: string;
  resources: readonly string[];
  configSchema: TSchema;
  make(config: unknown, store: TokenStore, logger: Logger): InteractiveCredentialProvider;
}

const oauthService = (s: OAuthService): SignInService => ({
  name: s.name,
  label: s.label,
  resources: s.resources,
  configSchema: OAuthUserCredentialsSchema,
  make: (config, store, logger) => new OAuthCodeProvider(s, config as OAuthUserCredentials, store, logger),
});

/**
 * Every cloud the desktop offers a sign-in for, in the order the accounts page lists them.
 * @public
 */
export const SIGN_IN_SERVICES: readonly SignInService[] = [
  {
    name: 'microsoft-user',
    label: 'Microsoft (OneDrive, SharePoint)',
    resources: ['microsoft-graph'],
    configSchema: MicrosoftUserCredentialsSchema,
    make: (config, store, logger) => new MicrosoftSignIn(config as MicrosoftUserCredentials, store, logger),
  },
  {
    name: 'dropbox-user',
    label: 'Dropbox',
    resources: ['dropbox'],
    configSchema: DropboxUserCredentialsSchema,
    make: (config, store, logger) => new DropboxSignIn(config as DropboxUserCredentials, store, logger),
  },
  oauthService(BOX_SIGN_IN),
  oauthService(EGNYTE_SIGN_IN),
  oauthService(PROJECTWISE_SIGN_IN),
];

/**
 * What the sign-ins are told while no connector runs (stopped, or still booting), so no provider
 * exists: the config file's `credentials` section as written, and why the connector is not running.
 * @public
 */
export interface SignInsOffline {
  /** The `credentials` section of the config file (absent or not an object: none). */
  credentials: unknown;
  /** Why the connector is not running. */
  reason: string;
  /** What to do so that it runs. */
  action?: string;
}

interface PendingSignIn {
  name: string;
  codeVerifier: string;
  redirectUri: string;
  expiresAt: number;
}

/** How long a started sign-in may take before its state is forgotten. */
const SIGN_IN_TTL_MS = 10 * 60_000;

/**
 * The desktop's interactive sign-ins: makes the credential provider factories the host
 * registers (one per cloud, `credentials.<name>` sections), keeps the providers the connector
 * boot created so the UI can sign in and out, and runs the authorisation-code round trip:
 * a fresh random `state` per sign-in, checked once (constant time) on the loopback redirect,
 * and the PKCE verifier kept here, never sent to the page.
 * @public
 */
export class SignIns {
  private readonly providers = new Map<string, InteractiveCredentialProvider>();
  private readonly pending = new Map<string, PendingSignIn>();
  /** The factories, made once so every boot registers the same objects. */
  readonly factories: readonly CredentialProviderFactory[];

  constructor(
    private readonly store: TokenStore,
    readonly services: readonly SignInService[] = SIGN_IN_SERVICES,
  ) {
    this.factories = services.map((s) => ({
      name: s.name,
      resources: s.resources,
      configSchema: s.configSchema,
      create: (config: unknown, context: { logger: Logger }) => {
        const provider = s.make(config, this.store, context.logger);
        this.providers.set(s.name, provider);
        return provider;
      },
    }));
  }

  /** Forgets the providers of a connector that was stopped (a new boot makes new ones). */
  reset(): void {
    this.providers.clear();
  }

  /**
   * Every cloud with its sign-in state; clouds without a config section are `configured: false`.
   * With `offline` (no connector runs, so no provider was made), a cloud is configured when the
   * config file has its section, and says that sign-in works once the connector runs, and what
   * to fix. Never rejects.
   */
  async accounts(offline?: SignInsOffline): Promise<AccountStatus[]> {
    return Promise.all(
      this.services.map(async (s) => {
        const p = this.providers.get(s.name);
        if (p) return p.status();
        if (!offline || !hasSection(offline, s.name)) return { name: s.name, label: s.label, configured: false, signedIn: false };
        return { name: s.name, label: s.label, configured: true, signedIn: false, unavailable: notRunning(s.label, offline) };
      }),
    );
  }

  /**
   * Starts a sign-in: returns the URL to send the browser to. Rejects with ConfigError when the
   * cloud has no `credentials.<name>` section (nothing to sign in with), and with
   * {@link UiRequestError} 404 for an unknown cloud, 409 when it has one but no connector runs
   * (`offline`), saying what keeps the connector from running.
   */
  async begin(name: string, redirectUri: string, offline?: SignInsOffline): Promise<string> {
    const provider = this.provider(name, offline);
    this.prune();
    const state = randomBytes(32).toString('base64url');
    const start = await provider.startSignIn(redirectUri, state);
    this.pending.set(state, { name, codeVerifier: start.codeVerifier, redirectUri, expiresAt: Date.now() + SIGN_IN_TTL_MS });
    return start.url;
  }

  /**
   * Finishes the sign-in the browser came back from. Rejects with AuthError when the `state` is
   * unknown, used or expired (a forged or replayed redirect), when the service sent an error
   * instead of a code, or when the code is refused.
   */
  async complete(callback: URL): Promise<AccountStatus> {
    const state = callback.searchParams.get('state') ?? '';
    const entry = this.takePending(state);
    if (!entry) {
      throw new AuthError('This sign-in answer does not belong to a sign-in started here (unknown or expired state); nothing was stored.', {
        action: 'Start the sign-in again from the Accounts page.',
      });
    }
    const provider = this.provider(entry.name);
    const error = callback.searchParams.get('error');
    if (error) {
      const description = callback.searchParams.get('error_description');
      throw new AuthError(`${provider.label} did not sign you in: ${error}${description ? ` (${description})` : ''}`, { action: 'Try again from the Accounts page.' });
    }
    await provider.finishSignIn(callback, entry.codeVerifier, entry.redirectUri, state);
    return provider.status();
  }

  /** Signs out of one cloud (while no connector runs, its stored tokens are forgotten). Rejects with {@link UiRequestError} 404 for an unknown name. */
  async signOut(name: string): Promise<void> {
    const p = this.providers.get(name);
    if (p) await p.signOut();
    else if (this.services.some((s) => s.name === name)) await this.store.delete(name);
    else throw this.unknown(name);
  }

  private provider(name: string, offline?: SignInsOffline): InteractiveCredentialProvider {
    const p = this.providers.get(name);
    if (p) return p;
    const s = this.services.find((x) => x.name === name);
    if (!s) throw this.unknown(name);
    if (offline && hasSection(offline, name)) {
      throw new UiRequestError(409, 'stopped', notRunning(s.label, offline), offline.action ?? 'Fix what the Status page names in Settings and save; then sign in.');
    }
    throw new ConfigError([{ key: `credentials.${name}`, expected: `the ${s.label} app registration for this program (see the README), before signing in` }]);
  }

  private unknown(name: string): UiRequestError {
    return new UiRequestError(404, 'unknown-account', `There is no cloud named "${name}" to sign in to.`, `Use one of ${this.services.map((x) => x.name).join(', ')}.`);
  }

  private takePending(state: string): PendingSignIn | undefined {
    const given = Buffer.from(state);
    for (const [key, entry] of this.pending) {
      const k = Buffer.from(key);
      if (k.length === given.length && timingSafeEqual(k, given)) {
        this.pending.delete(key);
        return entry.expiresAt > Date.now() ? entry : undefined;
      }
    }
    return undefined;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, e] of this.pending) if (e.expiresAt <= now) this.pending.delete(k);
  }
}

function hasSection(offline: SignInsOffline, name: string): boolean {
  const c = offline.credentials;
  return typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>)[name] === 'object' && (c as Record<string, unknown>)[name] !== null;
}

/** The set-up cloud's note while no connector runs: sign-in needs it, and what keeps it from running. */
function notRunning(label: string, offline: SignInsOffline): string {
  return `${label} is set up; signing in works once the connector runs, and it is not running: ${offline.reason}${offline.action ? ` ${offline.action}` : ''}`;
}
