/**
 * The plugin's names in one place. `npm run new-plugin` rewrites this file (and the manifest in
 * package.json, which must say the same) for a new plugin.
 * @packageDocumentation
 */

/** The plugin's name, and the key of its config sections `sinks.<name>` and `credentials.<name>`. */
export const PLUGIN_NAME = 'webdav';

/** URI scheme of targets reached over HTTPS, e.g. `<scheme>://dav.example.com/Projects`. */
export const SECURE_SCHEME = 'davs';

/** URI scheme of targets reached over plain HTTP (loopback only, unless `allowInsecureHttp`). */
export const PLAIN_SCHEME = 'dav';

/** The resource the sink asks the host's credential broker for. */
export const CREDENTIAL_RESOURCE = 'webdav';
