import { WINDOWS_RESERVED_NAMES, type PathRules } from '@filing-sync/core';

/**
 * Naming rules of OneDrive for work or school and SharePoint document libraries, as Microsoft
 * documents them ("Restrictions and limitations in OneDrive and SharePoint"): no
 * `" * : < > ? / \ |`, no leading or trailing spaces, no trailing dot, no name starting with `~$`,
 * no `_vti_` anywhere in a name, not `.lock`, `desktop.ini` or a device name (`CON`…`LPT9`, also
 * `COM0`/`LPT0`), and the whole decoded path under 400 characters (the sink's `folderPathLength`
 * counts the server-relative path of its folder). Names are case-insensitive.
 * @public
 */
export const GRAPH_PATH_RULES: PathRules = {
  forbiddenChars: '"*:<>?/\\|',
  replacement: '_',
  reservedNames: [...WINDOWS_RESERVED_NAMES, 'COM0', 'LPT0'],
  reservedFileNames: ['.lock', 'desktop.ini'],
  forbiddenPrefixes: ['~$'],
  // Anywhere, not only first: our names start with a time stamp, so a subject's `_vti_` never is.
  forbiddenSubstrings: ['_vti_'],
  noTrailingDots: true,
  noTrailingSpaces: true,
  noLeadingSpaces: true,
  maxSegmentLength: 255,
  // "The entire decoded file path, including the file name, can't contain more than 400 characters."
  maxPathLength: 399,
  lengthUnit: 'utf16',
  caseInsensitive: true,
};
