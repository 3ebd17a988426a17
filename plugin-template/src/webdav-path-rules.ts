import { WINDOWS_PATH_RULES, type PathRules } from '@filing-sync/core';

/**
 * Names a WebDAV server stores on its own disk. The Windows rules are kept (files end up opened
 * from Windows, through the WebDAV redirector or a synced copy); lengths are in UTF-8 bytes, the
 * limit of Linux file systems behind most servers; the whole URL path is kept under 1024 bytes,
 * well inside what servers and proxies accept.
 * @public
 */
export function webDavPathRules(caseInsensitive: boolean): PathRules {
  return {
    ...WINDOWS_PATH_RULES,
    lengthUnit: 'utf8',
    maxSegmentLength: 255,
    maxPathLength: 1024,
    caseInsensitive,
  };
}
