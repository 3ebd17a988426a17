import { CryptoProvider, InteractionRequiredAuthError, PublicClientApplication, type AccountInfo, type ICachePlugin, type TokenCacheContext } from '@azure/msal-node';
import { AuthError, TransientError, Type, type Credential, type CredentialRequest, type Logger, type Static } from '@filing-sync/core';
import type { AccountStatus, AuthorizationStart, InteractiveCredentialProvider } from './interactive-provider.js';
import type { TokenStore } from './token-vault.js';

/**
 * The `credentials.microsoft-user` section: the desktop program's app registration (a public
 * client: no secret), for OneDrive and SharePoint with the user's own access.
 * @public
 */
export const MicrosoftUserCredentialsSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, description: 'Application (client) id of the public-client app registration.' }),
    tenantId: Type.String({ minLength: 1, default: 'organizations', description: 'Tenant id or domain; "organizations" lets any work account sign in.' }),
    authorityHost: Type.String({ format: 'uri', default: 'https://login.microsoftonline.com', description: 'Identity platform host (another cloud, or a test double).' }),
    scopes: Type.Array(Type.String({ minLength: 1 }), {
      default: ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'User.Read'],
      description: 'Delegated Graph permissions to ask for.',
    }),
  },
  { additionalProperties: false },
);

/** The section as written. @public */
export type MicrosoftUserCredentials = Static<typeof MicrosoftUserCredentialsSchema>;

const MICROSOFT_AUTHORITY_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

/**
 * The user's Microsoft sign-in for OneDrive and SharePoint through MSAL's public client:
 * `getAuthCodeUrl` with a PKCE S256 challenge and state, `acquireTokenByCode` with the verifier,
 * then `acquireTokenSilent`, which refreshes through MSAL and keeps the refresh token the
 * identity platform rotates. MSAL's token cache is persisted whole in the token vault through a
 * cache plugin, so every rotated refresh token is stored before the access token is handed out.
 * @public
 */
export class MicrosoftSignIn implements InteractiveCredentialProvider {
  readonly name = 'microsoft-user';
  readonly label = 'Microsoft (OneDrive, SharePoint)';
  readonly resources = ['microsoft-graph'] as const;
  private readonly app: PublicClientApplication;
  private stale = false;
  private expiresOn: Date | undefined;
  private problem: string | undefined;
  /** The end of the last token request, sign-in or sign-out: each waits for the one before (see {@link exclusive}). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: MicrosoftUserCredentials,
    private readonly vault: TokenStore,
    private readonly logger: Logger,
  ) {
    const authorityHost = (config.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    const host = new URL(authorityHost).host;
    const cachePlugin: ICachePlugin = {
      beforeCacheAccess: async (ctx: TokenCacheContext) => {
        const stored = await vault.get(this.name);
        if (stored) ctx.tokenCache.deserialize(stored);
      },
      afterCacheAccess: async (ctx: TokenCacheContext) => {
        if (ctx.cacheHasChanged) await vault.set(this.name, ctx.tokenCache.serialize());
      },
    };
    this.app = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: `${authorityHost}/${encodeURIComponent(config.tenantId ?? 'organizations')}`,
        // A host outside Microsoft's clouds (a test double) is trusted as given.
        ...(MICROSOFT_AUTHORITY_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
      },
      cache: { cachePlugin },
      system: {
        loggerOptions: { piiLoggingEnabled: false, loggerCallback: (_level, message) => logger.debug({ msal: message }, 'msal') },
      },
    });
  }

  private get scopes(): string[] {
    return [...(this.config.scopes ?? MicrosoftUserCredentialsSchema.properties.scopes.default)];
  }

  async startSignIn(redirectUri: string, state: string): Promise<AuthorizationStart> {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await this.app.getAuthCodeUrl({
      scopes: this.scopes,
      redirectUri,
      state,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      prompt: 'select_account',
    });
    return { url, codeVerifier: pkce.verifier };
  }

  finishSignIn(callback: URL, codeVerifier: string, redirectUri: string): Promise<void> {
    return this.exclusive(() => this.redeem(callback, codeVerifier, redirectUri));
  }

  private async redeem(callback: URL, codeVerifier: string, redirectUri: string): Promise<void> {
    let result;
    try {
      result = await this.app.acquireTokenByCode({ code: callback.searchParams.get('code') ?? '', codeVerifier, redirectUri, scopes: this.scopes });
    } catch (err) {
      throw classify(err, 'sign-in');
    }
    // One Microsoft account at a time: others signed in before are forgotten.
    const cache = this.app.getTokenCache();
    for (const a of await cache.getAllAccounts()) if (a.homeAccountId !== result.account?.homeAccountId) await cache.removeAccount(a);
    this.expiresOn = result.expiresOn ?? undefined;
    this.problem = undefined;
    this.stale = false;
    this.logger.info({ account: this.name, user: result.account?.username }, 'signed in');
  }

  /**
   * A Graph access token for the signed-in user, from MSAL's cache or refreshed through it.
   * Rejects with AuthError when nobody is signed in or the refresh is refused (interaction
   * required), TransientError when the identity platform cannot be reached.
   */
  get(_request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
    signal?.throwIfAborted();
    return this.exclusive(() => this.token());
  }

  private async token(): Promise<Credential> {
    const account = await this.account();
    if (!account) throw signInNeeded(this.label, 'nobody is signed in');
    const forceRefresh = this.stale;
    let result;
    try {
      result = await this.app.acquireTokenSilent({ account, scopes: this.scopes, forceRefresh });
    } catch (err) {
      const e = classify(err, 'refresh');
      if (e instanceof AuthError) this.problem = e.message;
      throw e;
    }
    this.stale = false;
    this.problem = undefined;
    this.expiresOn = result.expiresOn ?? undefined;
    return { type: 'bearer', accessToken: result.accessToken, ...(result.expiresOn ? { expiresAt: result.expiresOn } : {}), account: account.username };
  }

  invalidate(): void {
    this.stale = true;
  }

  async status(): Promise<AccountStatus> {
    const account = await this.account().catch(() => undefined);
    // After a restart the expiry is known once a token is asked for: ask (from the cache, or one refresh).
    if (account && !this.expiresOn && !this.problem) await this.get({ resource: 'microsoft-graph' }).catch(() => undefined);
    return {
      name: this.name,
      label: this.label,
      configured: true,
      signedIn: !!account,
      ...(account ? { user: account.username } : {}),
      ...(account && this.expiresOn ? { expiresAt: this.expiresOn.toISOString() } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  signOut(): Promise<void> {
    return this.exclusive(() => this.forget());
  }

  private async forget(): Promise<void> {
    const cache = this.app.getTokenCache();
    for (const a of await cache.getAllAccounts()) await cache.removeAccount(a);
    await this.vault.delete(this.name);
    this.expiresOn = undefined;
    this.logger.info({ account: this.name }, 'signed out');
  }

  /**
   * Runs `work` after the token requests, sign-ins and sign-outs before it have ended. A refresh under way puts its
   * account back into MSAL's cache when it ends: run beside a sign-out, it would undo it (the page would still say
   * signed in, and tokens be handed out). A sign-out therefore waits for a refresh under way, at most as long as
   * the identity platform takes to answer it.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async account(): Promise<AccountInfo | undefined> {
    return (await this.app.getTokenCache().getAllAccounts())[0];
  }
}

function signInNeeded(label: string, why: string): AuthError {
  return new AuthError(`${label}: ${why}.`, { action: `Open the filing-sync window, Accounts, and sign in to ${label} again.` });
}

/** MSAL's failures: refusals and "interaction required" are AuthError, the rest is passing. */
function classify(err: unknown, what: string): Error {
  const e = err as { errorCode?: string; errorMessage?: string; message?: string; status?: number };
  const text = `${e.errorCode ?? ''}${e.errorMessage ? `: ${e.errorMessage.split('\n')[0]}` : ''}` || e.message || String(err);
  const refused = ['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'consent_required', 'interaction_required', 'no_tokens_found'];
  if (err instanceof InteractionRequiredAuthError || refused.includes(e.errorCode ?? '') || (e.status !== undefined && e.status >= 400 && e.status < 500)) {
    return new AuthError(`Microsoft refused the ${what} (${text}).`, { cause: err, action: 'Sign in to Microsoft again from the Accounts page.' });
  }
  return new TransientError(`The Microsoft identity platform could not be reached for the ${what} (${text}).`, { cause: err });
}
