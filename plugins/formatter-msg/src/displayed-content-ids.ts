/**
 * Which parts of a message its HTML body shows as images, by Content-ID.
 * @packageDocumentation
 */

/**
 * `cid:` URLs in attributes and style that display an image: `src` (img, VML's imagedata), `background` (body, table
 * cells) and CSS `url(...)`. Not `href`: a linked part is an attachment the reader opens, not an image in the body.
 */
const DISPLAYED_CID = /\b(?:src|background)\s*=\s*(?:"\s*cid:([^"]*)"|'\s*cid:([^']*)'|cid:([^\s>]+))|url\(\s*["']?\s*cid:([^"')\s]+)/gi;

/**
 * The Content-IDs (without angle brackets, lower case) that `html` displays as images. A part is inline, and
 * hidden from the attachment list, only when its Content-ID is one of these exactly ([MS-OXCMAIL] 2.2.3.4.1.4.1:
 * marking a part that is not shown hides it from the reader). `cid:` URLs are percent-decoded (RFC 2392).
 */
export function displayedContentIds(html: string | undefined): Set<string> {
  const ids = new Set<string>();
  if (!html) return ids;
  for (const m of html.matchAll(DISPLAYED_CID)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim();
    let id = raw;
    try {
      id = decodeURIComponent(raw);
    } catch {
      // A stray "%" is kept as written.
    }
    if (id) ids.add(id.toLowerCase());
  }
  return ids;
}
