/**
 * An independent reading of {@link PathRules}: says why a name is not legal, so the suite does not
 * trust the namer it checks.
 * @packageDocumentation
 */
import type { PathRules } from '@filing-sync/core';

function measure(text: string, unit: PathRules['lengthUnit']): number {
  return unit === 'utf8' ? Buffer.byteLength(text, 'utf8') : text.length;
}

/**
 * The reasons `name` breaks `rules` in a folder whose path measures `folderPathLength`; empty
 * when it is legal.
 * @public
 */
export function nameProblems(name: string, rules: PathRules, folderPathLength: number): string[] {
  const problems: string[] = [];
  if (name === '') return ['empty'];
  if (name === '.' || name === '..') problems.push('a folder reference');
  for (const c of ['/', '\\', ...rules.forbiddenChars]) if (name.includes(c)) problems.push(`contains ${JSON.stringify(c)}`);
  if (/[\u0000-\u001f\u007f]/.test(name)) problems.push('contains a control character');
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name)) problems.push('contains a lone surrogate');
  if (name !== name.normalize('NFC')) problems.push('not in Unicode NFC');
  const stem = name.split('.')[0]!.toUpperCase();
  if (rules.reservedNames.some((r) => r.toUpperCase() === stem || r.toUpperCase() === name.toUpperCase())) problems.push('a reserved name');
  if (rules.reservedFileNames?.some((r) => r.toLowerCase() === name.toLowerCase())) problems.push('a reserved file name');
  for (const p of rules.forbiddenPrefixes ?? []) if (name.toLowerCase().startsWith(p.toLowerCase())) problems.push(`starts with ${JSON.stringify(p)}`);
  for (const p of rules.forbiddenSubstrings ?? []) if (name.toLowerCase().includes(p.toLowerCase())) problems.push(`contains ${JSON.stringify(p)}`);
  if (rules.noTrailingDots && name.endsWith('.')) problems.push('ends with a dot');
  if (rules.noTrailingSpaces && name.endsWith(' ')) problems.push('ends with a space');
  if (rules.noLeadingSpaces && name.startsWith(' ')) problems.push('starts with a space');
  if (rules.noAstralChars && /[\u{10000}-\u{10ffff}]/u.test(name)) problems.push('contains a character outside the BMP');
  const length = measure(name, rules.lengthUnit);
  if (length > rules.maxSegmentLength) problems.push(`${length} ${rules.lengthUnit} units, over the segment limit ${rules.maxSegmentLength}`);
  if (folderPathLength + length > rules.maxPathLength) {
    problems.push(`path of ${folderPathLength + length} units, over the path limit ${rules.maxPathLength}`);
  }
  return problems;
}

/** Length of `text` in the rules' unit. @public */
export function nameLength(text: string, rules: PathRules): number {
  return measure(text, rules.lengthUnit);
}
