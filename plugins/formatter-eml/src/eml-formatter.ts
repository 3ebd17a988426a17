/**
 * The EML formatter: files the original RFC 5322 bytes.
 * @packageDocumentation
 */
import type { Content, Formatter, RenderContext } from '@filing-sync/core';

/**
 * Format `eml`: the message exactly as received, so its signatures and headers stay intact.
 * `render` resolves with the very `Content` it was given (no copy, no re-encoding); it never rejects.
 * @public
 */
export class EmlFormatter implements Formatter {
  readonly name = 'eml';
  readonly extension = '.eml';
  readonly mediaType = 'message/rfc822';

  async render(message: Content, _context: RenderContext): Promise<Content> {
    return message;
  }
}
