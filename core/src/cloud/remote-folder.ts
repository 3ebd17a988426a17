import { ConfigError } from '../errors.js';

/**
 * The folder of a cloud target URI (`dropbox:/Projects/Surrey Court`, `box:/Projects/...`) as its
 * decoded path segments, for sinks that address folders by path from the account's root.
 * Throws {@link ConfigError} (key `target`) when the URI names a host (`box://Projects/x` is a
 * common slip for `box:/Projects/x`), or a segment is `.`, `..` or badly percent-encoded.
 * @public
 */
export function remoteFolderSegments(target: URL): string[] {
  const scheme = target.protocol.replace(/:$/, '');
  const example = `${scheme}:/Projects/Surrey Court`;
  if (target.host !== '') {
    throw new ConfigError([{ key: 'target', expected: `a folder path after "${scheme}:/", e.g. ${example}`, found: target.href }]);
  }
  const segments: string[] = [];
  for (const raw of target.pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw).normalize('NFC');
    } catch {
      throw new ConfigError([{ key: 'target', expected: `valid percent-encoding in the folder path, e.g. ${example}`, found: target.href }]);
    }
    if (segment === '.' || segment === '..' || segment.includes('/') || segment.includes('\\')) {
      throw new ConfigError([{ key: 'target', expected: 'folder names without ".", ".." or separators', found: target.href }]);
    }
    segments.push(segment);
  }
  return segments;
}

/**
 * Joins decoded segments into a service path with a leading `/` (`/` alone for the root).
 * @public
 */
export function remotePath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}
