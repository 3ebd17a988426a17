import { WINDOWS_RESERVED_NAMES, type PathRules } from '@filing-sync/core';

/**
 * Box's naming rules, as path-rule capabilities.
 *
 * The service refuses names over 255 characters, with `/` or `\`, non-printable ASCII, leading or
 * trailing spaces, and `.` or `..`; names are unique per folder case-insensitively. Filed
 * messages are opened through Box Drive on Windows, which cannot hold names Windows refuses, so
 * Windows' forbidden characters, device names and trailing dots are kept out too.
 * @public
 */
export const BOX_PATH_RULES: PathRules = {
  forbiddenChars: '<>:"/\\|?*',
  replacement: '_',
  reservedNames: WINDOWS_RESERVED_NAMES,
  reservedFileNames: ['desktop.ini', 'thumbs.db', '.ds_store'],
  noTrailingDots: true,
  noTrailingSpaces: true,
  noLeadingSpaces: true,
  maxSegmentLength: 255,
  // Box sets no whole-path limit (items are addressed by id); Box Drive on Windows allows long paths.
  maxPathLength: 4096,
  lengthUnit: 'utf16',
  caseInsensitive: true,
};
