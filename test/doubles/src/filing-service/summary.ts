import { simpleParser } from 'mailparser';

/** The message summary the Filing Service API sends with each filing. */
export interface Summary {
  messageId?: string;
  subject?: string;
  from?: { name?: string; address?: string };
  sentAt?: string;
  size: number;
}

/**
 * Reads the summary from a raw message's header block only (the body is never parsed, so large
 * attachments cost nothing). Unreadable headers leave their field out; this never throws.
 */
export async function summarise(raw: Buffer): Promise<Summary> {
  const summary: Summary = { size: raw.length };
  try {
    const parsed = await simpleParser(Buffer.concat([headerBlock(raw), Buffer.from('\r\n\r\n')]), {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
    });
    if (parsed.messageId) summary.messageId = parsed.messageId;
    if (parsed.subject !== undefined) summary.subject = parsed.subject;
    const from = parsed.from?.value[0];
    if (from && (from.name || from.address)) {
      summary.from = { ...(from.name ? { name: from.name } : {}), ...(from.address ? { address: from.address } : {}) };
    }
    // mailparser substitutes "now" for a missing Date header; only a real header counts.
    if (parsed.headers.has('date') && parsed.date && !Number.isNaN(parsed.date.getTime())) summary.sentAt = parsed.date.toISOString();
  } catch {
    // Malformed headers: the filing is still served, with what we have.
  }
  return summary;
}

/** The bytes before the first empty line (CRLF or LF endings). */
function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length === 0 ? raw : raw.subarray(0, Math.min(...ends));
}
