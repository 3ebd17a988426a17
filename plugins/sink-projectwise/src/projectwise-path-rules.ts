import { WINDOWS_PATH_RULES, type PathRules } from '@filing-sync/core';

/**
 * ProjectWise naming (ProjectWise Explorer help): folder and document names must be valid Windows
 * names (documents are checked out to Windows working folders), a document name has at most 127
 * characters, and document name and file name are unique within a folder, case-insensitively.
 * The whole path has no documented limit of its own; 2048 keeps very deep targets sane.
 * @public
 */
export const PROJECTWISE_PATH_RULES: PathRules = {
  ...WINDOWS_PATH_RULES,
  maxSegmentLength: 127,
  maxPathLength: 2048,
  lengthUnit: 'utf16',
  caseInsensitive: true,
};
