/**
 * Name and path rules a sink declares, so that the core's namer makes every name legal for it.
 * @packageDocumentation
 */

/** How lengths are counted by a storage service. */
export type LengthUnit = 'utf16' | 'utf8';

/**
 * The naming rules of one kind of storage.
 * @public
 */
export interface PathRules {
  /** Characters that may not appear in a name segment; each is replaced by {@link PathRules.replacement}. */
  forbiddenChars: string;
  /** Replacement for forbidden characters, e.g. `_`. Must itself be allowed. */
  replacement: string;
  /**
   * Names that may not be used, case-insensitively, whole or before the first dot
   * (so `CON` also forbids `con.txt`). Such names are escaped with a trailing `_` on the stem.
   */
  reservedNames: readonly string[];
  /** Whole names that may not be used (case-insensitive), e.g. `desktop.ini`, `.lock`. */
  reservedFileNames?: readonly string[];
  /** Prefixes a name may not start with, e.g. `~$`, `_vti_`. The prefix's first character (or its first one that is not already the replacement) is replaced. */
  forbiddenPrefixes?: readonly string[];
  /**
   * Text a name may not contain anywhere, compared case-insensitively, e.g. `_vti_` in OneDrive and
   * SharePoint. Each occurrence is broken as a forbidden prefix is: its first character that is not
   * already the replacement is replaced, until none is left. Default: none.
   */
  forbiddenSubstrings?: readonly string[];
  /** Remove trailing dots. */
  noTrailingDots: boolean;
  /** Remove trailing spaces. */
  noTrailingSpaces: boolean;
  /** Remove leading spaces. */
  noLeadingSpaces: boolean;
  /** Characters outside the Basic Multilingual Plane (emoji) are not allowed: replace them. */
  noAstralChars?: boolean;
  /** Longest name segment, in {@link PathRules.lengthUnit}. */
  maxSegmentLength: number;
  /** Longest whole path (folder plus name), in {@link PathRules.lengthUnit}. */
  maxPathLength: number;
  /** How lengths are counted. */
  lengthUnit: LengthUnit;
  /** Names differing only in case are the same file. */
  caseInsensitive: boolean;
}

/** Windows device names, forbidden as names and as stems (`nul.txt`). */
export const WINDOWS_RESERVED_NAMES: readonly string[] = [
  'CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$',
  ...Array.from({ length: 9 }, (_, i) => `COM${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `LPT${i + 1}`),
  'COM¹', 'COM²', 'COM³', 'LPT¹', 'LPT²', 'LPT³',
];

/**
 * Rules of NTFS and SMB shares as Win32 applies them; also used for the filesystem sink on Linux
 * so a folder synced to Windows later stays valid. MAX_PATH (260) is kept for the whole path
 * because Explorer and Outlook still refuse longer paths.
 * @public
 */
export const WINDOWS_PATH_RULES: PathRules = {
  forbiddenChars: '<>:"/\\|?*',
  replacement: '_',
  reservedNames: WINDOWS_RESERVED_NAMES,
  noTrailingDots: true,
  noTrailingSpaces: true,
  noLeadingSpaces: false,
  maxSegmentLength: 255,
  maxPathLength: 259,
  lengthUnit: 'utf16',
  caseInsensitive: true,
};
