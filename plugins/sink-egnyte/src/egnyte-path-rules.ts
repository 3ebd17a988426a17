import { WINDOWS_RESERVED_NAMES, type PathRules } from '@filing-sync/core';

/**
 * Egnyte's naming rules (helpdesk.egnyte.com, "Unsupported Characters and File Types"):
 * `\ / " : < > | * ?` are refused; no trailing period, no leading or trailing space, no control
 * characters; no characters of four UTF-8 bytes (emoji and everything outside the BMP, replaced);
 * at most 245 bytes per name and 5000 bytes per path; temporary and system names are not synced.
 *
 * Names ending in `~` or `.tmp` are also refused by Egnyte; the namer always ends a file name with
 * the formatter's extension (`.eml`, `.msg`), so no file name can end that way.
 * Windows device names are reserved too: the Egnyte Desktop App mirrors folders onto Windows.
 * @public
 */
export const EGNYTE_PATH_RULES: PathRules = {
  forbiddenChars: '\\/":<>|*?',
  replacement: '_',
  reservedNames: WINDOWS_RESERVED_NAMES,
  reservedFileNames: ['.ds_store', 'desktop.ini', 'thumbs.db', 'ehthumbs.db', 'icon\r', '.dropbox', '.dropbox.attr'],
  forbiddenPrefixes: ['~$', '._', '.~'],
  noTrailingDots: true,
  noTrailingSpaces: true,
  noLeadingSpaces: true,
  noAstralChars: true,
  maxSegmentLength: 245,
  maxPathLength: 5000,
  lengthUnit: 'utf8',
  caseInsensitive: true,
};
