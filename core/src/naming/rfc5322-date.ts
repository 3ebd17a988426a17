/**
 * Parses the `Date:` header of a message (RFC 5322 §3.3, including the obsolete syntax of §4.3).
 * It imports nothing, so that the MSG formatter's worker threads can load it alone
 * (`@filing-sync/core/rfc5322-date`) without the rest of core.
 * @packageDocumentation
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Offsets of the obsolete named zones, in minutes east of UTC (RFC 5322 §4.3). */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

// day-of-week, day, month, year, hour, minute, second, zone. Commas, comments and folding are
// already reduced to single spaces; a day-name without its comma is tolerated (common in the wild), and so is a
// zone name after a numeric offset (`+0100 CET`), which the offset decides.
const DATE_TIME =
  /^(?:[a-z]{3,9}[, ])?(\d{1,2}) ([a-z]{3,9})\.? (\d{2,4}) (\d{1,2}) ?: ?(\d{1,2})(?: ?: ?(\d{1,2}))?(?: ([+-]\d{4})(?: [a-z]{1,5})?| ([a-z]{1,5}))?$/i;

/**
 * The instant a RFC 5322 `date-time` denotes, or `undefined` when the value cannot be read.
 *
 * Accepts the obsolete forms mail software still sends: comments (nested, anywhere), folding
 * whitespace between all tokens, two- and three-digit years (`98` → 1998, `05` → 2005, `103` → 2003),
 * named zones (`GMT`, `EST` …), military and unknown zones and a missing zone (read as UTC, as
 * RFC 5322 asks for `-0000`), seconds omitted, a leap second (read as :59). Out-of-range fields
 * (`31 Feb`, `25:00`) give `undefined`, never a rolled-over date. A plain ISO 8601 date-time, which
 * some broken senders write, is accepted too.
 * @public
 */
export function parseRfc5322Date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const text = stripComments(value).replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ').trim();
  const m = DATE_TIME.exec(text);
  if (!m) return parseIsoFallback(text);
  const [, dayText, monthText, yearText, hourText, minuteText, secondText, numericZone, namedZone] = m;
  const month = MONTHS.indexOf(monthText!.slice(0, 3).toLowerCase());
  if (month < 0) return undefined;
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yearText!.length === 3) year += 1900;
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Math.min(59, Number(secondText ?? '0'));
  if (hour > 23 || minute > 59 || Number(secondText ?? '0') > 60) return undefined;
  const offset = zoneOffsetMinutes(numericZone ?? namedZone);
  if (offset === undefined) return undefined;
  const local = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 Feb into March: refuse instead of inventing a date.
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return undefined;
  return new Date(local - offset * 60_000);
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return 0;
  if (zone[0] === '+' || zone[0] === '-') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    if (minutes > 59) return undefined;
    return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  // Military and unknown alphabetic zones carry no reliable offset: RFC 5322 §4.3 says to read them as -0000.
  return NAMED_ZONES[zone.toUpperCase()] ?? 0;
}

/** Removes RFC 5322 comments (nested parentheses, with `\` quoted pairs), leaving a space. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && depth > 0) { i++; continue; }
    if (c === '(') { depth++; out += ' '; continue; }
    if (c === ')' && depth > 0) { depth--; continue; }
    if (depth === 0) out += c;
  }
  return out;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date-time with a time but no zone designator (`Z`, `±hh`, `±hhmm`, `±hh:mm`). */
const ZONELESS_ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}(:?\d{2}(:?\d{2}([.,]\d+)?)?)?$/;

/**
 * `text` with `Z` appended when it is an ISO 8601 date-time without a time zone, else `text` unchanged.
 * JavaScript reads such a value as this machine's local time, so the same value would name a file
 * differently on every host; filing-sync reads it as UTC.
 * @public
 */
export function utcIfZoneless(text: string): string {
  return ZONELESS_ISO_DATE_TIME.test(text) ? `${text}Z` : text;
}

function parseIsoFallback(text: string): Date | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
