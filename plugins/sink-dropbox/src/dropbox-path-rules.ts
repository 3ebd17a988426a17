import { WINDOWS_RESERVED_NAMES, type PathRules } from '@filing-sync/core';

/**
 * Dropbox's naming rules, as path-rule capabilities.
 *
 * The service itself refuses `/`, control characters, trailing spaces and names over 255
 * characters (counted in UTF-16 units: Dropbox counts some symbols as two), treats names
 * case-insensitively, and refuses the names its desktop clients ignore (`desktop.ini`,
 * `.dropbox`...). Filed messages are opened through the Dropbox desktop client on Windows, which
 * cannot sync names Windows cannot hold, so Windows' forbidden characters, device names and
 * trailing dots are kept out too.
 * @public
 */
export const DROPBOX_PATH_RULES: PathRules = {
  forbiddenChars: '<>:"/\\|?*\u007f',
  replacement: '_',
  reservedNames: WINDOWS_RESERVED_NAMES,
  reservedFileNames: ['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr', '.dropbox.cache'],
  noTrailingDots: true,
  noTrailingSpaces: true,
  noLeadingSpaces: false,
  maxSegmentLength: 255,
  // Dropbox sets no whole-path limit; the desktop client on Windows keeps paths below 32,767.
  maxPathLength: 4096,
  lengthUnit: 'utf16',
  caseInsensitive: true,
};
