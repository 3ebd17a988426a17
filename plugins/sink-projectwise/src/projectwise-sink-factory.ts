import { ConfigError, Pacer, type Sink, type SinkContext, type SinkFactory } from '@filing-sync/core';
import { ProjectWiseSinkConfigSchema, resolveProjectWiseConfig, type ProjectWiseSinkConfig } from './projectwise-config.js';
import { ProjectWiseSink } from './projectwise-sink.js';

/** Server, repository id and folder segments of a `projectwise://` URI, decoded. */
export function parseProjectWiseTarget(target: URL): { server: string; repository: string; folder: string[] } {
  const example = 'projectwise://pw.example.com/Bentley.PW--pw.example.com~3AFiling/Projects/Surrey%20Court';
  const fail = (expected: string): never => {
    throw new ConfigError([{ key: 'target', expected, found: target.href }]);
  };
  if (target.protocol !== 'projectwise:') fail('a projectwise:// URI');
  if (!target.host) fail(`the WSG server as host, e.g. ${example}`);
  let segments: string[] = [];
  try {
    segments = target.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s).normalize('NFC'));
  } catch {
    fail(`valid percent-encoding, e.g. ${example}`);
  }
  const [repository, ...folder] = segments;
  if (!repository || folder.length === 0) fail(`a repository id and at least one folder, e.g. ${example}`);
  if (folder.some((s) => s === '.' || s === '..' || s.includes('\\'))) fail('folder names without ".", ".." or "\\"');
  return { server: target.host.toLowerCase(), repository: repository!, folder };
}

/**
 * Makes {@link ProjectWiseSink}s for `projectwise://<server>/<repository>/<folder path>` targets.
 * Keeps one pacer per server and one folder-id cache per repository; a sink drops the entries of
 * its own path from that cache when WSG says its folder is gone, so every sink of the repository
 * resolves that path afresh.
 * @public
 */
export class ProjectWiseSinkFactory implements SinkFactory<ProjectWiseSinkConfig | undefined> {
  readonly name = 'projectwise';
  readonly schemes = ['projectwise'] as const;
  readonly description = 'Bentley ProjectWise folders through the Web Services Gateway (projectwise://<server>/<repository>/<folder path>).';
  readonly configSchema = ProjectWiseSinkConfigSchema;
  private readonly pacers = new Map<string, Pacer>();
  private readonly folderIds = new Map<string, Map<string, string>>();

  /** Rejects with ConfigError when the URI is not a ProjectWise folder. Does no I/O. */
  async create(target: URL, config: ProjectWiseSinkConfig | undefined, context: SinkContext): Promise<Sink> {
    const { server, repository, folder } = parseProjectWiseTarget(target);
    const resolved = resolveProjectWiseConfig(config);
    let pacer = this.pacers.get(server);
    if (!pacer) this.pacers.set(server, (pacer = new Pacer({ callsPerSecond: resolved.callsPerSecond })));
    const cacheKey = `${server}/${repository.toLowerCase()}`;
    let ids = this.folderIds.get(cacheKey);
    if (!ids) this.folderIds.set(cacheKey, (ids = new Map()));
    const { WsgClient } = await import('./wsg-client.js');
    const client = new WsgClient({
      server,
      repository,
      baseUrl: resolved.baseUrl.replaceAll('{server}', server).replace(/\/+$/, ''),
      apiVersion: resolved.apiVersion,
      tokenScheme: resolved.tokenScheme,
      credentials: context.credentials,
      pacer,
      timeoutMs: resolved.requestTimeoutMs,
    });
    const display = `projectwise://${server}/${repository}/${folder.join('/')}`;
    return new ProjectWiseSink(client, folder, resolved, display, ids, context.logger.child({ sink: 'projectwise', server }), context.instanceId);
  }
}
