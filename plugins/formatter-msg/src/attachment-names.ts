/**
 * File names for attachments: a long name for every part (inventing one for unnamed parts) and the
 * 8.3 short name that PR_ATTACH_FILENAME carries.
 * @packageDocumentation
 */
import { extname } from 'node:path';
import libmime from 'libmime';

/** Characters a FAT short name may hold besides letters and digits. */
const SHORT_NAME_CHARS = /[^A-Z0-9!#$%&'()@^_`{}~-]/g;

/**
 * A name for a part that has none, from its media type: `image001.png` as Outlook names pasted images,
 * `attachment001.pdf` otherwise. `counters` numbers each stem from 1 within one message.
 */
export function inventName(contentType: string, counters: Map<string, number>): string {
  let ext = libmime.detectExtension(contentType) || 'bin';
  if (ext === 'bin' && contentType.startsWith('text/')) ext = 'txt';
  const stem = contentType.startsWith('image/') ? 'image' : 'attachment';
  const n = (counters.get(stem) ?? 0) + 1;
  counters.set(stem, n);
  return `${stem}${String(n).padStart(3, '0')}.${ext}`;
}

/** Assigns unique 8.3 names (`REPORT~1.PDF`) within one message. */
export class ShortNames {
  private readonly used = new Set<string>();

  /** The 8.3 form of `longName`, unique among the names this instance handed out. */
  next(longName: string): string {
    const ext = extname(longName);
    const stem = longName.slice(0, longName.length - ext.length);
    const shortStem = stem.toUpperCase().replace(SHORT_NAME_CHARS, '');
    const shortExt = ext.slice(1).toUpperCase().replace(SHORT_NAME_CHARS, '').slice(0, 3);
    const dotExt = shortExt ? `.${shortExt}` : '';
    const fits = shortStem.length > 0 && shortStem.length <= 8 && shortStem === stem.toUpperCase() && shortExt === ext.slice(1).toUpperCase();
    if (fits && !this.used.has(shortStem + dotExt)) return this.take(shortStem + dotExt);
    const base = shortStem || 'FILE';
    for (let n = 1; ; n++) {
      const tail = `~${n}`;
      const candidate = base.slice(0, 8 - tail.length) + tail + dotExt;
      if (!this.used.has(candidate)) return this.take(candidate);
    }
  }

  private take(name: string): string {
    this.used.add(name);
    return name;
  }
}
