import { ConfigError, Pacer, type Sink, type SinkContext, type SinkFactory } from '@filing-sync/core';
import { EgnyteSinkConfigSchema, resolveEgnyteConfig, type EgnyteSinkConfig } from './egnyte-config.js';
import { EgnyteSink } from './egnyte-sink.js';
import { NameLocks } from './name-locks.js';

/** Share of the configured rate actually used. */
const PACING_HEADROOM = 0.85;

/** Egnyte domain names: letters, digits and hyphens. */
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** The folder segments of an `egnyte://` URI, decoded; rejects what Egnyte cannot hold. */
export function parseEgnyteTarget(target: URL): { domain: string; folder: string[] } {
  const issues: { key: string; expected: string; found?: string }[] = [];
  const domain = target.hostname;
  if (target.protocol !== 'egnyte:') issues.push({ key: 'target', expected: 'an egnyte:// URI', found: target.href });
  if (!DOMAIN.test(domain)) issues.push({ key: 'target', expected: 'egnyte://<domain>/Shared/... with the Egnyte domain as host (acme for acme.egnyte.com)', found: target.href });
  let folder: string[] = [];
  try {
    folder = target.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    issues.push({ key: 'target', expected: 'a correctly percent-encoded path', found: target.href });
  }
  const top = folder[0]?.toLowerCase();
  if (top !== 'shared' && top !== 'private') {
    issues.push({ key: 'target', expected: 'a path under /Shared or /Private, e.g. egnyte://acme/Shared/Projects/Surrey%20Court', found: target.href });
  } else if (top === 'private' && folder.length < 2) {
    issues.push({ key: 'target', expected: 'a user folder under /Private, e.g. /Private/jsmith/Filed', found: target.href });
  }
  if (folder.some((s) => s === '.' || s === '..')) issues.push({ key: 'target', expected: 'a path without . or .. segments', found: target.href });
  if (issues.length > 0) throw new ConfigError(issues);
  return { domain: domain.toLowerCase(), folder };
}

/**
 * Makes {@link EgnyteSink}s for `egnyte://<domain>/Shared/...` targets. One pacer per domain,
 * shared by all its targets, because Egnyte counts calls per token.
 * @public
 */
export class EgnyteSinkFactory implements SinkFactory<EgnyteSinkConfig | undefined> {
  readonly name = 'egnyte';
  readonly schemes = ['egnyte'] as const;
  readonly description = 'Egnyte folders through the Egnyte Public API v1 (egnyte://<domain>/Shared/...).';
  readonly configSchema = EgnyteSinkConfigSchema;
  private readonly pacers = new Map<string, Pacer>();
  private readonly locks = new Map<string, NameLocks>();

  /**
   * Rejects with ConfigError when the URI is not an Egnyte folder path, and as `import()` does if
   * the HTTP client cannot be loaded. Does no I/O; loads the client (axios) on first use.
   */
  async create(target: URL, config: EgnyteSinkConfig | undefined, context: SinkContext): Promise<Sink> {
    const { domain, folder } = parseEgnyteTarget(target);
    const resolved = resolveEgnyteConfig(config);
    const { EgnyteClient } = await import('./egnyte-client.js');
    let pacer = this.pacers.get(domain);
    if (!pacer) {
      // A little under the limit: Mashery counts arrivals, and network jitter bunches them.
      pacer = new Pacer({ callsPerSecond: resolved.callsPerSecond * PACING_HEADROOM });
      this.pacers.set(domain, pacer);
    }
    const client = new EgnyteClient({
      domain,
      baseUrl: resolved.baseUrl.replaceAll('{domain}', domain).replace(/\/+$/, ''),
      credentials: context.credentials,
      pacer,
      timeoutMs: resolved.requestTimeoutMs,
    });
    let locks = this.locks.get(domain);
    if (!locks) this.locks.set(domain, (locks = new NameLocks()));
    return new EgnyteSink(client, folder, resolved, domain, context.logger.child({ sink: 'egnyte', domain }), locks);
  }
}
