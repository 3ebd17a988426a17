/**
 * Reads the date-time of a `Date:` or `Received:` header by the rules of RFC 5322 §3.3 and §4.3, never by the
 * machine's time zone. The same rules as core's `parseRfc5322Date` (which names the filed file), kept here
 * because the conversion modules must not load `@filing-sync/core` (see the README); a test checks that both
 * agree.
 * @packageDocumentation
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Offsets of the obsolete named zones, in minutes east of UTC (RFC 5322 §4.3). */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

// day-of-week, day, month, year, hour, minute, second, zone, and a zone name after a numeric offset
// (`+0100 CET`, which many mailers write without the parentheses of a comment). Commas, comments and folding
// are already reduced to single spaces.
const DATE_TIME =
  /^(?:[a-z]{3,9}[, ])?(\d{1,2}) ([a-z]{3,9})\.? (\d{2,4}) (\d{1,2}) ?: ?(\d{1,2})(?: ?: ?(\d{1,2}))?(?: ([+-]\d{4})(?: [a-z]{1,5})?| ([a-z]{1,5}))?$/i;

/**
 * The instant an RFC 5322 `date-time` denotes, or `undefined` when the value cannot be read.
 *
 * As core's parser: comments, folding, two- and three-digit years (`98` → 1998, `05` → 2005, `103` → 2003),
 * the obsolete US zones with their offsets (RFC 5322 §4.3), other alphabetic zones (`CET`, `JST`, military)
 * and a missing zone as `-0000`, that is UTC; seconds optional, a leap second read as :59; out-of-range fields
 * give `undefined`, never a rolled-over date; a plain ISO 8601 date-time is accepted too. In addition, a zone
 * name after a numeric offset (`09:41:33 +0100 CET`) is ignored, as a comment would be: the offset decides.
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
    if (c === '\\' && depth > 0) {
      i++;
      continue;
    }
    if (c === '(') {
      depth++;
      out += ' ';
      continue;
    }
    if (c === ')' && depth > 0) {
      depth--;
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseIsoFallback(text: string): Date | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
