import { createRequire } from 'node:module';

// What the SDK-free parts of the plugin (its entry, factories, credentials) share with the
// Graph client; kept apart so that reading them does not load @microsoft/microsoft-graph-client.

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * User-Agent decorated as Microsoft asks of SharePoint/OneDrive integrations
 * (`ISV|Company|App/version`), which keeps us out of the anonymous throttling bucket.
 * @public
 */
export const GRAPH_USER_AGENT = `ISV|filing-sync|filing-sync/${pkg.version}`;

/** Scope of an app-only or delegated Graph token covering what the app was granted. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * Largest file OneDrive and SharePoint accept.
 * @public
 */
export const GRAPH_MAX_FILE_SIZE = 250 * 1024 ** 3;
