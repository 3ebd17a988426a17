/**
 * The collision policy every sink shares (DESIGN §5): same name and same content is `identical`,
 * same name and other content gets ` (2)`, ` (3)` … .
 * @packageDocumentation
 */
import type { Content } from '../contracts/content.js';
import type { MessageSummary } from '../contracts/filing.js';
import type { EntryInfo, Sink } from '../contracts/sink.js';
import { PermanentError } from '../errors.js';
import { fitFileName } from '../naming/sanitize-segment.js';

/** Candidates tried before giving up: far more than any real folder has of one name. */
export const DEFAULT_MAX_CANDIDATES = 1000;

/** Options of {@link placeFile}. */
export interface PlaceFileOptions {
  /** Modified time to give the file (the sent time). */
  modifiedAt: Date;
  /** Passed on to {@link Sink.create} for services that store a description. */
  message?: MessageSummary;
  signal?: AbortSignal;
  /** Names tried at most, the intended one included; default {@link DEFAULT_MAX_CANDIDATES}. */
  maxCandidates?: number;
}

/** How a file was placed. */
export type PlaceOutcome = 'created' | 'identical' | 'renamed';

/** Result of {@link placeFile}. */
export interface PlaceResult {
  /** `created` under the intended name, `identical` (already there, nothing written), or `renamed`. */
  outcome: PlaceOutcome;
  /** The name the file has in the target: the intended one, a ` (n)` variant, or the stored spelling of an identical file. */
  name: string;
  /** The stored file as the sink reports it. */
  entry: EntryInfo;
}

/**
 * Writes `content` under `name` (already made legal by the namer) without ever replacing a file.
 *
 * When the name is taken, the existing file is compared with `content`: equal sizes and equal
 * hashes of the sink's `capabilities.hashKind` mean `identical` (nothing written). Without a hash
 * to compare (the sink reports no hash kind, or none for that file) the contents cannot be proven
 * equal, so they are treated as different: a ` (2)` copy is never a loss, hiding a different
 * message would be. Different content moves on to `stem (2).ext`, `stem (3).ext` …, each
 * candidate re-fitted to the sink's length limits (the stem is cut, suffix and extension kept);
 * a candidate holding identical content also ends in `identical`. On a case-insensitive sink the
 * sink itself reports `Notes.eml` as taken by `notes.eml`; the stored spelling is returned.
 *
 * Rejects with whatever {@link Sink.create} or {@link Sink.stat} rejects with, with
 * {@link PermanentError} after `maxCandidates` names, and with the abort reason when `signal` fires.
 * @public
 */
export async function placeFile(sink: Sink, name: string, content: Content, options: PlaceFileOptions): Promise<PlaceResult> {
  const max = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
  const rules = sink.capabilities.pathRules;
  const fold = (n: string): string => (rules.caseInsensitive ? n.toLowerCase() : n);
  const tried = new Set<string>();
  const createOptions = {
    modifiedAt: options.modifiedAt,
    ...(options.message ? { message: options.message } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  for (let n = 1; n <= max; n++) {
    options.signal?.throwIfAborted();
    const candidate = n === 1 ? name : withCounter(name, n, sink);
    // Cutting a long stem can map two counters onto one name; never ask twice.
    if (tried.has(fold(candidate))) continue;
    tried.add(fold(candidate));
    const result = await createOrFind(sink, candidate, content, createOptions);
    if (result.created) return { outcome: n === 1 ? 'created' : 'renamed', name: result.entry.name, entry: result.entry };
    if (await sameContent(sink, result.existing, content)) {
      return { outcome: 'identical', name: result.existing.name, entry: result.existing };
    }
  }
  throw new PermanentError(
    `"${name}" and ${max - 1} numbered variants are all taken by other files in ${sink.displayPath}.`,
    { action: 'Tidy the target folder or change the naming template.' },
  );
}

type Found = { created: true; entry: EntryInfo } | { created: false; existing: EntryInfo };

/**
 * `create`, and when the name is taken, what holds it. A file that vanishes between the refused
 * create and the stat is simply tried again (a few times: a stubborn race means something is
 * churning the folder, and looping on it would hide that).
 */
async function createOrFind(sink: Sink, name: string, content: Content, options: Parameters<Sink['create']>[2]): Promise<Found> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const result = await sink.create(name, content, options);
    if (result.created) return result;
    const existing = result.existing ?? (await sink.stat(name, options.signal));
    if (existing) return { created: false, existing };
  }
  throw new PermanentError(`"${name}" in ${sink.displayPath} is reported as taken but cannot be found; the folder keeps changing.`);
}

async function sameContent(sink: Sink, existing: EntryInfo, content: Content): Promise<boolean> {
  if (existing.size !== content.size) return false;
  const kind = sink.capabilities.hashKind;
  if (kind === undefined || existing.hash === undefined) return false;
  const mine = await content.digest(kind);
  // Hex digests may come back in either case; other encodings (base64) are compared exactly.
  const hex = /^[0-9a-f]+$/i;
  return hex.test(mine) && hex.test(existing.hash) ? mine.toLowerCase() === existing.hash.toLowerCase() : mine === existing.hash;
}

/** `stem (n).ext`, re-fitted so the longer name still fits the sink's limits. */
function withCounter(name: string, n: number, sink: Sink): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot) : '';
  return fitFileName({ stem, suffix: ` (${n})`, extension }, sink.capabilities.pathRules, sink.folderPathLength);
}
