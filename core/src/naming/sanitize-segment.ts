/**
 * Makes any text a legal, harmless name segment under a sink's {@link PathRules}.
 * @packageDocumentation
 */
import { PermanentError } from '../errors.js';
import type { LengthUnit, PathRules } from '../contracts/path-rules.js';

/** Name used when nothing usable is left of the input (empty subject, only dots …). */
export const FALLBACK_STEM = 'untitled';

/** Options of {@link sanitizeSegment}. */
export interface SanitizeOptions {
  /** Longest result in `rules.lengthUnit`; defaults to `rules.maxSegmentLength`. */
  maxLength?: number;
  /** Used when nothing is left; defaults to {@link FALLBACK_STEM}. Must itself be legal. */
  fallback?: string;
}

/**
 * Length of `text` as a storage counts it: UTF-16 code units or UTF-8 bytes.
 * @public
 */
export function measure(text: string, unit: LengthUnit): number {
  return unit === 'utf8' ? Buffer.byteLength(text, 'utf8') : text.length;
}

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * The longest prefix of `text` that measures at most `max`, cut between user-perceived characters
 * (grapheme clusters), so that no surrogate pair, combining sequence or emoji sequence is split.
 * @public
 */
export function cutToLength(text: string, max: number, unit: LengthUnit): string {
  if (measure(text, unit) <= max) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = measure(segment, unit);
    if (used + size > max) break;
    out += segment;
    used += size;
  }
  return out;
}

// Whitespace-like controls become a space, so that "a\tb" stays two words.
const SPACE_LIKE = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// Other C0/C1 controls, DEL, bidi embeddings/overrides/isolates and marks (they can disguise an
// extension: "gpj.exe" shown as "exe.jpg"), byte-order mark, and lone surrogates.
const DROPPED = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ASTRAL = /[\u{10000}-\u{10ffff}]/gu;

/**
 * Character-level clean-up shared by every name: NFC, controls dropped or turned into spaces,
 * runs of spaces collapsed, forbidden characters and both path separators replaced, astral
 * characters replaced when the rules forbid them. No length or reserved-name handling.
 * @public
 */
export function cleanCharacters(text: string, rules: PathRules): string {
  let out = text.normalize('NFC').replace(SPACE_LIKE, ' ').replace(DROPPED, '');
  out = out.replace(/ {2,}/g, ' ');
  // A function, so that a `$` in the replacement is taken as it is.
  const replacement = () => rules.replacement;
  out = out.replace(forbiddenPattern(rules), replacement);
  if (rules.noAstralChars) out = out.replace(ASTRAL, replacement);
  return out;
}

/** Each rule set's forbidden characters as one pattern, made once: every file name is cleaned with it. */
const forbiddenPatterns = new WeakMap<PathRules, RegExp>();

function forbiddenPattern(rules: PathRules): RegExp {
  let pattern = forbiddenPatterns.get(rules);
  if (!pattern) {
    // Separators are replaced whatever the rules say: nothing from a message may make a path.
    const chars = [...new Set([...rules.forbiddenChars, '/', '\\'])];
    // Whole code points (`u`), so that a forbidden astral character is one match, as it is one character.
    pattern = new RegExp(chars.map(escapeRegExp).join('|'), 'gu');
    forbiddenPatterns.set(rules, pattern);
  }
  return pattern;
}

/** Trims a stem: leading dots, spaces at both ends, and trailing dots where the rules forbid them. */
function trimEnds(stem: string, rules: PathRules): string {
  let out = stem;
  // Leading dots would make a hidden file (or `.`/`..`); they are never meaningful in a subject.
  out = out.replace(/^[. ]*\. */, '');
  // Spaces at either end of a stem are never wanted, whether or not the storage allows them.
  out = out.replace(/^ +/, '');
  for (;;) {
    const before = out;
    out = out.replace(/ +$/, '');
    if (rules.noTrailingDots) out = out.replace(/\.+$/, '');
    if (out === before) break;
  }
  return out;
}

function upper(text: string): string {
  return text.toUpperCase();
}

/** Each rule set's reserved names, upper-cased once: every name is checked against them. */
const reservedNameSets = new WeakMap<PathRules, ReadonlySet<string>>();

function reservedNameSet(rules: PathRules): ReadonlySet<string> {
  let set = reservedNameSets.get(rules);
  if (!set) {
    set = new Set(rules.reservedNames.map(upper));
    reservedNameSets.set(rules, set);
  }
  return set;
}

/**
 * Escapes a name that a storage reserves: a device name whole or before the first dot
 * (`CON`, `nul.txt`, `COM1 .log`) gets `_` after that part, a reserved file name (`desktop.ini`)
 * gets `_` before its extension, a forbidden prefix (`~$`) has its first character replaced, and
 * so does every occurrence of a forbidden substring (`_vti_`).
 */
function escapeReserved(name: string, rules: PathRules): string {
  let out = name;
  const dot = out.indexOf('.');
  const head = dot < 0 ? out : out.slice(0, dot);
  // Win32 ignores trailing spaces when it matches device names ("CON .txt" is CON).
  if (reservedNameSet(rules).has(upper(head.replace(/ +$/, '')))) {
    out = `${head}${rules.replacement}${out.slice(head.length)}`;
  }
  const whole = upper(out);
  if (rules.reservedFileNames?.some((r) => upper(r) === whole)) {
    const last = out.lastIndexOf('.');
    out = last > 0 ? `${out.slice(0, last)}${rules.replacement}${out.slice(last)}` : `${out}${rules.replacement}`;
  }
  for (const prefix of rules.forbiddenPrefixes ?? []) {
    if (prefix !== '' && upper(out).startsWith(upper(prefix))) {
      // The prefix's first character, or its first one that is not already the replacement
      // (`_vti_` with `_`), so that the prefix is really broken.
      const at = Math.max(0, [...prefix].findIndex((c) => c !== rules.replacement));
      out = out.slice(0, at) + rules.replacement + out.slice(at + 1);
    }
  }
  // Last, so that nothing above brings an occurrence back (turning characters into the
  // replacement cannot make a reserved name: none contains it).
  for (const substring of rules.forbiddenSubstrings ?? []) out = breakSubstring(out, substring, rules.replacement);
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces, in every case-insensitive occurrence of `substring`, its first character that is not
 * already `replacement` (`_vti_` with `_` becomes `__ti_`). Repeated until none is left, since a
 * replacement can complete a new occurrence; each pass turns one more character into the
 * replacement, so it ends. A substring made only of the replacement cannot be broken this way
 * and is left alone.
 */
function breakSubstring(name: string, substring: string, replacement: string): string {
  if (substring === '' || [...substring].every((c) => c === replacement)) return name;
  const pattern = new RegExp(escapeRegExp(substring), 'iu');
  let out = name;
  // Bounded as well, for a replacement longer than one character.
  for (let m = pattern.exec(out), passes = 0; m && passes <= name.length; m = pattern.exec(out), passes++) {
    const chars = [...m[0]];
    const at = chars.findIndex((c) => c !== replacement);
    if (at < 0) break; // a case-folded match made only of the replacement: nothing left to break
    chars[at] = replacement;
    out = out.slice(0, m.index) + chars.join('') + out.slice(m.index + m[0].length);
  }
  return out;
}

/** The parts {@link fitFileName} assembles into `stem + suffix + extension`. */
export interface FileNameParts {
  /** The free text: a rendered template. Cleaned and cut as needed. */
  stem: string;
  /** Kept whole after the stem, e.g. ` (2)`; must already be legal text. */
  suffix?: string;
  /** Extension with or without its dot, e.g. `.eml`; always kept. */
  extension: string;
}

/**
 * Assembles a file name that is legal under `rules` and fits both the segment limit and, after
 * a folder path of `folderPathLength`, the path limit. The stem is cleaned
 * ({@link cleanCharacters}), trimmed of leading dots and of the ends the rules forbid, cut at a
 * character boundary to make room for suffix and extension, replaced by {@link FALLBACK_STEM} when
 * nothing is left, and escaped when the result is a reserved name. The extension is always kept.
 *
 * Throws {@link PermanentError} when the folder path leaves no room for even a one-character
 * stem (no name could ever fit there).
 * @public
 */
export function fitFileName(parts: FileNameParts, rules: PathRules, folderPathLength = 0): string {
  const unit = rules.lengthUnit;
  const rawExt = parts.extension === '' ? '' : parts.extension.startsWith('.') ? parts.extension : `.${parts.extension}`;
  const extension = rawExt === '' ? '' : `.${cleanCharacters(rawExt.slice(1), rules).replace(/[. ]/g, '')}`;
  const suffix = parts.suffix === undefined ? '' : cleanCharacters(parts.suffix, rules);
  const limit = Math.min(rules.maxSegmentLength, rules.maxPathLength - folderPathLength);
  const cleaned = trimEnds(cleanCharacters(parts.stem, rules), rules);
  // Cut the stem to the room left; if escaping a reserved name then overflows, cut one more unit.
  for (let room = limit - measure(suffix + extension, unit); room >= 1; room--) {
    const stem = trimEnds(cutToLength(cleaned, room, unit), rules) || FALLBACK_STEM;
    const name = escapeReserved(`${stem}${suffix}${extension}`, rules);
    if (measure(name, unit) <= limit) return name;
  }
  throw new PermanentError(
    `No file name fits: the target folder path (${folderPathLength} ${unit} units) leaves ${limit} of the ` +
      `${rules.maxPathLength} allowed for a name, and "${suffix}${extension}" alone needs more.`,
  );
}

/**
 * Makes one path segment (a file or folder name without extension handling) legal under `rules`:
 * as {@link fitFileName} with no extension, cut to `options.maxLength` (default
 * `rules.maxSegmentLength`). Never returns `''`, `.`, `..` or anything holding a separator; throws
 * {@link PermanentError} only when `maxLength` is too small for even one character.
 * @public
 */
export function sanitizeSegment(raw: string, rules: PathRules, options: SanitizeOptions = {}): string {
  const maxLength = options.maxLength ?? rules.maxSegmentLength;
  const unit = rules.lengthUnit;
  const cleaned = trimEnds(cleanCharacters(raw, rules), rules);
  for (let room = maxLength; room >= 1; room--) {
    const stem = trimEnds(cutToLength(cleaned, room, unit), rules) || options.fallback || FALLBACK_STEM;
    const name = escapeReserved(stem, rules);
    if (measure(name, unit) <= maxLength) return name;
  }
  throw new PermanentError(`No segment fits in ${maxLength} ${unit} units.`);
}
