/**
 * The `sinks.filesystem` section of the config.
 * @packageDocumentation
 */
import path from 'node:path';
import { ConfigError, Type, type ConfigIssue, type Static } from '@filing-sync/core';

/** Partials younger than this are left alone by {@link cleanupPartials} (another writer may own them). */
export const DEFAULT_PARTIAL_MAX_AGE_MINUTES = 10;

/** An absolute path on some platform: `/…`, `D:\…` or `D:/…`, `\\server\share` or `//server/share`. */
const ABSOLUTE_PATH = '^(?:/|[A-Za-z]:[\\\\/]|\\\\\\\\)';

/**
 * Schema of the filesystem sink's config section.
 * @public
 */
export const FilesystemSinkConfigSchema = Type.Object(
  {
    // A relative root in the config file is resolved against its folder; one that is still relative (from elsewhere)
    // is refused when the config is read, before anything runs: it would otherwise fail every filing.
    allowedRoots: Type.Array(Type.String({ minLength: 1, 'x-path': true, pattern: ABSOLUTE_PATH, 'x-expected': 'an absolute folder path (D:\\Projects, \\\\server\\share or /srv/projects)' }), {
      default: [],
      description:
        'Absolute folders that filesystem targets must be under (also `--allow-root DIR`, repeatable). ' +
        'A target outside all of them is refused: the filing is skipped for it and the reason reported. ' +
        'Each root must exist when writing, so an unmounted share is never written to the local disk.',
      examples: [['D:\\Projects', '\\\\fs01\\projects'], ['/srv/projects']],
    }),
    partialMaxAgeMinutes: Type.Integer({
      minimum: 1,
      default: DEFAULT_PARTIAL_MAX_AGE_MINUTES,
      description: 'Stray `.*.partial` files older than this are removed when a target is first used.',
    }),
  },
  { additionalProperties: false },
);

/** The config section as written. */
export type FilesystemSinkConfig = Static<typeof FilesystemSinkConfigSchema>;

/** The config after checking: roots resolved to absolute native paths. */
export interface FilesystemSinkSettings {
  allowedRoots: string[];
  partialMaxAgeMs: number;
}

const KEY = 'sinks.filesystem';

/**
 * Checks the section (it may be missing: no roots, so every target is refused) and resolves the
 * roots. Throws one {@link ConfigError} naming every bad key.
 * @public
 */
export function readFilesystemSinkConfig(raw: unknown, platform: typeof path = path): FilesystemSinkSettings {
  const config = (raw ?? {}) as Partial<FilesystemSinkConfig>;
  const issues: ConfigIssue[] = [];
  const roots = config.allowedRoots ?? [];
  if (!Array.isArray(roots)) {
    issues.push({ key: `${KEY}.allowedRoots`, expected: 'an array of absolute folder paths', found: JSON.stringify(roots) });
  }
  const allowedRoots: string[] = [];
  (Array.isArray(roots) ? roots : []).forEach((root, i) => {
    if (typeof root !== 'string' || root.trim() === '' || !platform.isAbsolute(root) || isDriveRelative(root, platform)) {
      issues.push({ key: `${KEY}.allowedRoots[${i}]`, expected: 'an absolute folder path', found: JSON.stringify(root) });
    } else {
      allowedRoots.push(platform.resolve(root.trim()));
    }
  });
  const minutes = config.partialMaxAgeMinutes ?? DEFAULT_PARTIAL_MAX_AGE_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1) {
    issues.push({ key: `${KEY}.partialMaxAgeMinutes`, expected: 'a whole number of minutes, at least 1', found: JSON.stringify(minutes) });
  }
  if (issues.length) throw new ConfigError(issues);
  return { allowedRoots, partialMaxAgeMs: minutes * 60_000 };
}

/** `\foo` is "absolute" to path.win32 but relative to the current drive. */
function isDriveRelative(p: string, platform: typeof path): boolean {
  return platform === path.win32 && /^[\\/](?![\\/])/.test(p);
}
