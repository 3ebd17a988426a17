import { ConfigError, type Sink, type SinkContext, type SinkFactory } from '@filing-sync/core';
import { WebDavClient } from './webdav-client.js';
import { WebDavSinkConfigSchema, resolveWebDavSinkConfig, type WebDavSinkConfig } from './webdav-config.js';
import { WEBDAV_RESOURCE } from './webdav-credentials.js';
import { PLAIN_SCHEME, PLUGIN_NAME, SECURE_SCHEME } from './plugin-info.js';
import { WebDavSink, type WebDavTarget } from './webdav-sink.js';

const EXPECTED =
  `a URI ${SECURE_SCHEME}://host[:port]/folder/... (HTTPS) or ${PLAIN_SCHEME}://host[:port]/folder/... (HTTP), ` +
  'with at least one folder and no ".." segments';

/**
 * Reads a target URI: `davs://dav.example.com/remote.php/dav/files/ann/Projects` (HTTPS) or
 * `dav://…` (plain HTTP, loopback only unless `allowInsecureHttp`). Throws {@link ConfigError}
 * naming the target and what was expected.
 * @public
 */
export function parseWebDavTarget(target: URL, allowInsecureHttp: boolean): WebDavTarget {
  const found = JSON.stringify(target.href);
  if (target.protocol !== `${SECURE_SCHEME}:` && target.protocol !== `${PLAIN_SCHEME}:`) throw new ConfigError([{ key: 'target', expected: EXPECTED, found }]);
  if (!target.hostname) throw new ConfigError([{ key: 'target', expected: `${EXPECTED} (the host is missing)`, found }]);
  if (target.username || target.password) {
    throw new ConfigError([{ key: 'target', expected: `${EXPECTED}, without credentials in it (put them under credentials.webdav)`, found: `${target.protocol}//…@${target.host}` }]);
  }
  const secure = target.protocol === `${SECURE_SCHEME}:`;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
  if (!secure && !loopback && !allowInsecureHttp) {
    throw new ConfigError([{ key: 'target', expected: `${EXPECTED}; ${PLAIN_SCHEME}:// sends credentials unencrypted, so it needs sinks.${PLUGIN_NAME}.allowInsecureHttp: true`, found }]);
  }
  let segments: string[];
  try {
    segments = target.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new ConfigError([{ key: 'target', expected: `${EXPECTED} (its path is not valid percent-encoding)`, found }]);
  }
  if (segments.length === 0 || segments.some((s) => s === '.' || s === '..' || s.includes('/'))) {
    throw new ConfigError([{ key: 'target', expected: EXPECTED, found }]);
  }
  return { origin: `${secure ? 'https' : 'http'}://${target.host}`, segments, display: target.href };
}

/**
 * The WebDAV sink plugin's description and factory (schemes `davs` for HTTPS and `dav` for HTTP).
 * @public
 */
export class WebDavSinkFactory implements SinkFactory<WebDavSinkConfig | undefined> {
  readonly name = PLUGIN_NAME;
  readonly schemes = [SECURE_SCHEME, PLAIN_SCHEME] as const;
  readonly description = 'Files messages into a folder on a WebDAV server (Nextcloud, ownCloud, Apache mod_dav, IIS, NAS devices).';
  readonly configSchema = WebDavSinkConfigSchema;

  /** Makes the sink for one target. Does no I/O. Rejects with {@link ConfigError} for an unusable URI. */
  async create(target: URL, config: WebDavSinkConfig | undefined, context: SinkContext): Promise<Sink> {
    const resolved = resolveWebDavSinkConfig(config);
    const where = parseWebDavTarget(target, resolved.allowInsecureHttp);
    const client = new WebDavClient(where.origin, context.credentials, { resource: WEBDAV_RESOURCE, account: target.hostname }, resolved.requestTimeoutMs);
    return new WebDavSink(where, client, resolved, context.logger);
  }
}
