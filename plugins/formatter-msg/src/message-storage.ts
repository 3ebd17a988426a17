/**
 * Maps a parsed message onto MSG storages and properties ([MS-OXMSG] 2.2, [MS-OXCMAIL] 2.2.3): a received
 * message (never a draft) with its sender, recipients, bodies, original headers, attachments and
 * embedded messages.
 * @packageDocumentation
 */
import { extname } from 'node:path';
import type { CfbEntry, CfbStorage } from './compound-file-writer.js';
import { ShortNames, inventName } from './attachment-names.js';
import { displayedContentIds } from './displayed-content-ids.js';
import {
  ATT_RENDERED_IN_BODY,
  AttachMethod,
  MessageFlag,
  ONE_OFF_PROVIDER_UID,
  OUTLOOK_MESSAGE_CLSID,
  ObjectType,
  PropFlag,
  STORE_SUPPORT_MASK,
  Tag,
} from './mapi-tags.js';
import type { Mailbox, ParsedAttachment, ParsedMessage } from './parse-message.js';
import { PropertyBag } from './property-bag.js';
import { UnreadableMessageError } from './conversion-errors.js';

/** [MS-OXMSG] 2.2.1/2.2.2: at most 2048 recipient and 2048 attachment storages per message. */
export const MAX_OBJECTS = 2048;
const ALWAYS = PropFlag.Mandatory | PropFlag.Readable | PropFlag.Writable;
/** PR_ICON_INDEX of a read mail: a received envelope rather than the draft icon. */
const ICON_READ_MAIL = 0x100;
/** A subject prefix: one to three characters without digits, a colon and a space ([MS-OXCMSG] 2.2.1.9). */
const SUBJECT_PREFIX = /^([^\s\d:]{1,3}: )(.*)$/su;

/** Sensitivity header values ([MS-OXCMAIL] 2.2.3.2.7) to PR_SENSITIVITY. */
const SENSITIVITY: Record<string, number> = { personal: 1, private: 2, 'company-confidential': 3 };

/** The root storage of a .msg file for `message`. */
export function messageRoot(message: ParsedMessage): CfbStorage {
  const nameid: CfbStorage = {
    kind: 'storage',
    name: '__nameid_version1.0',
    children: ['__substg1.0_00020102', '__substg1.0_00030102', '__substg1.0_00040102'].map((name) => ({ kind: 'stream', name, data: Buffer.alloc(0) })),
  };
  return { kind: 'storage', name: 'Root Entry', clsid: OUTLOOK_MESSAGE_CLSID, children: [...messageEntries(message, false), nameid] };
}

/** The entries of a message object: its properties, recipients and attachments. */
function messageEntries(message: ParsedMessage, embedded: boolean): CfbEntry[] {
  const recipients = [
    ...message.to.map((m) => ({ m, type: 1 })),
    ...message.cc.map((m) => ({ m, type: 2 })),
    ...message.bcc.map((m) => ({ m, type: 3 })),
  ];
  const attachments = message.attachments;
  const what = embedded ? 'an embedded message' : 'the message';
  if (recipients.length > MAX_OBJECTS) throw new UnreadableMessageError(`at most ${MAX_OBJECTS} recipients in ${what}`, `${recipients.length}`);
  if (attachments.length > MAX_OBJECTS) throw new UnreadableMessageError(`at most ${MAX_OBJECTS} attachments in ${what}`, `${attachments.length}`);

  const p = new PropertyBag();
  // [MS-OXOSMIME] 2.1.3.2: an opaque-signed or encrypted message. (Clear-signed multipart/signed mail stays
  // IPM.Note: 2.1.3.1 wants the whole signed entity as the one attachment, and its parts are written separately.)
  p.string(Tag.MessageClass, message.smime ? 'IPM.Note.SMIME' : 'IPM.Note');
  p.int32(Tag.StoreSupportMask, STORE_SUPPORT_MASK, PropFlag.Readable);
  let flags = MessageFlag.Read | MessageFlag.Unmodified;
  if (attachments.length > 0) flags |= MessageFlag.HasAttach;
  p.int32(Tag.MessageFlags, flags);
  p.bool(Tag.HasAttach, attachments.length > 0);
  p.int32(Tag.IconIndex, ICON_READ_MAIL);

  const subject = message.subject;
  p.string(Tag.Subject, subject);
  const split = subject ? SUBJECT_PREFIX.exec(subject) : null;
  p.string(Tag.SubjectPrefix, split?.[1]);
  p.string(Tag.NormalizedSubject, split ? split[2] : subject);
  p.string(Tag.ConversationTopic, message.threadTopic ?? (split ? split[2] : subject));
  if (message.threadIndex) p.binary(Tag.ConversationIndex, message.threadIndex);

  p.time(Tag.ClientSubmitTime, message.date);
  const delivered = message.received ?? message.date;
  p.time(Tag.MessageDeliveryTime, delivered);
  // Derived from the message, never from the clock: converting the same mail twice gives the same bytes,
  // so a re-filed message is recognised as identical.
  p.time(Tag.CreationTime, delivered);
  p.time(Tag.LastModificationTime, delivered);

  if (message.from) {
    mailboxProps(p, message.from, Tag.SentRepresentingName, Tag.SentRepresentingAddrType, Tag.SentRepresentingEmailAddress, Tag.SentRepresentingSmtpAddress);
    p.binary(Tag.SentRepresentingEntryId, oneOffEntryId(message.from));
    p.binary(Tag.SentRepresentingSearchKey, searchKey(message.from));
  }
  const sender = message.sender ?? message.from;
  if (sender) {
    mailboxProps(p, sender, Tag.SenderName, Tag.SenderAddrType, Tag.SenderEmailAddress, Tag.SenderSmtpAddress);
    p.binary(Tag.SenderEntryId, oneOffEntryId(sender));
    p.binary(Tag.SenderSearchKey, searchKey(sender));
  }
  p.string(Tag.DisplayTo, message.to.map(displayName).join('; '));
  p.string(Tag.DisplayCc, message.cc.map(displayName).join('; '));
  p.string(Tag.DisplayBcc, message.bcc.map(displayName).join('; '));
  if (message.replyTo.length > 0) {
    // [MS-OXCMAIL] 2.2.3.1.6: Reply-To; without it Outlook replies to From.
    p.string(Tag.ReplyRecipientNames, message.replyTo.map(displayName).join('; '));
    p.binary(Tag.ReplyRecipientEntries, flatEntryList(message.replyTo.map(oneOffEntryId)));
  }

  p.string(Tag.TransportMessageHeaders, message.headerBlock);
  p.string(Tag.InternetMessageId, message.messageId);
  p.string(Tag.InReplyToId, message.inReplyTo);
  p.string(Tag.InternetReferences, message.references);
  if (message.priority) {
    p.int32(Tag.Importance, { low: 0, normal: 1, high: 2 }[message.priority]);
    p.int32(Tag.Priority, { low: -1, normal: 0, high: 1 }[message.priority]);
  }

  const sensitivity = SENSITIVITY[message.sensitivity ?? ''];
  if (sensitivity !== undefined) p.int32(Tag.Sensitivity, sensitivity);

  p.string(Tag.Body, message.text);
  if (message.html !== undefined) p.binary(Tag.Html, Buffer.from(utf8Html(message.html), 'utf8'));
  if (message.html !== undefined || message.text !== undefined) {
    p.int32(Tag.InternetCodepage, 65001);
    p.int32(Tag.NativeBody, message.html !== undefined ? 3 : 1);
  }
  // No RTF body is written, so Outlook must not look for one in sync with it.
  p.bool(Tag.RtfInSync, false);

  const entries: CfbEntry[] = p.toEntries(
    embedded
      ? { kind: 'embedded', recipients: recipients.length, attachments: attachments.length }
      : { kind: 'top', recipients: recipients.length, attachments: attachments.length },
  );
  recipients.forEach((r, i) => entries.push({ kind: 'storage', name: `__recip_version1.0_#${hex8(i)}`, children: recipientEntries(r.m, r.type, i) }));
  const shortNames = new ShortNames();
  const displayed = displayedContentIds(message.html);
  const counters = new Map<string, number>();
  attachments.forEach((a, i) => {
    const name = a.embedded ? undefined : a.filename || inventName(a.contentType, counters);
    entries.push({ kind: 'storage', name: `__attach_version1.0_#${hex8(i)}`, children: attachmentEntries(a, i, name, shortNames, displayed) });
  });
  return entries;
}

function recipientEntries(m: Mailbox, type: number, index: number): CfbEntry[] {
  const p = new PropertyBag();
  p.int32(Tag.RecipientType, type);
  p.int32(Tag.RowId, index);
  p.int32(Tag.ObjectType, ObjectType.MailUser);
  p.int32(Tag.DisplayType, 0); // DT_MAILUSER
  p.string(Tag.DisplayName, displayName(m));
  p.string(Tag.AddrType, 'SMTP');
  p.string(Tag.EmailAddress, m.address);
  p.string(Tag.SmtpAddress, m.address);
  p.binary(Tag.EntryId, oneOffEntryId(m));
  p.binary(Tag.SearchKey, searchKey(m));
  return p.toEntries({ kind: 'recipient' });
}

function attachmentEntries(a: ParsedAttachment, index: number, name: string | undefined, shortNames: ShortNames, displayed: ReadonlySet<string>): CfbEntry[] {
  const p = new PropertyBag();
  p.int32(Tag.StoreSupportMask, STORE_SUPPORT_MASK, PropFlag.Readable);
  p.int32(Tag.AttachNum, index);
  p.int32(Tag.ObjectType, ObjectType.Attachment, PropFlag.Readable);
  p.int32(Tag.RenderingPosition, -1, ALWAYS);
  p.string(Tag.AttachMimeTag, a.contentType);
  if (a.embedded) {
    p.int32(Tag.AttachMethod, AttachMethod.EmbeddedMessage, ALWAYS);
    p.string(Tag.DisplayName, a.embedded.subject || 'Forwarded message');
    p.object(Tag.AttachDataObject, { children: messageEntries(a.embedded, true) }, 1);
    return p.toEntries({ kind: 'attachment' });
  }
  const fileName = name!;
  p.int32(Tag.AttachMethod, AttachMethod.ByValue, ALWAYS);
  p.binary(Tag.AttachDataBinary, a.data);
  p.int32(Tag.AttachSize, Math.min(size(a), 0x7fffffff));
  p.string(Tag.DisplayName, fileName);
  p.string(Tag.AttachLongFilename, fileName);
  p.string(Tag.AttachFilename, shortNames.next(fileName));
  p.string(Tag.AttachExtension, extname(fileName));
  if (a.cid) {
    p.string(Tag.AttachContentId, a.cid);
    // Hidden only when the HTML really shows it: hiding anything else would hide it from the reader.
    if (a.related && displayed.has(a.cid.toLowerCase())) {
      p.bool(Tag.AttachmentHidden, true);
      p.int32(Tag.AttachFlags, ATT_RENDERED_IN_BODY);
    }
  }
  return p.toEntries({ kind: 'attachment' });
}

function size(a: ParsedAttachment): number {
  return Buffer.isBuffer(a.data) ? a.data.length : a.data.size;
}

function mailboxProps(p: PropertyBag, m: Mailbox, name: number, addrType: number, email: number, smtp: number): void {
  p.string(name, displayName(m));
  p.string(addrType, 'SMTP');
  p.string(email, m.address);
  p.string(smtp, m.address);
}

/**
 * A one-off entry ID ([MS-OXCDATA] 2.2.5.1): lets Outlook reply to an address that is in no address book.
 * Flags 0x8001 = Unicode strings, no rich text; then display name, address type and address, each NUL-terminated.
 */
function oneOffEntryId(m: Mailbox): Buffer {
  const head = Buffer.alloc(24);
  ONE_OFF_PROVIDER_UID.copy(head, 4);
  head.writeUInt16LE(0x8001, 22);
  return Buffer.concat([head, Buffer.from(`${displayName(m)}\0SMTP\0${m.address}\0`, 'utf16le')]);
}

/**
 * A FlatEntryList ([MS-OXCDATA] 2.3.3): the number of entries, the size of what follows, then each entry ID as a
 * FlatEntry (2.3.2: its size, its bytes) padded to a multiple of 4 bytes.
 */
function flatEntryList(entryIds: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(8)];
  let size = 0;
  for (const id of entryIds) {
    const padded = (id.length + 3) & ~3;
    const entry = Buffer.alloc(4 + padded);
    entry.writeUInt32LE(id.length, 0);
    id.copy(entry, 4);
    parts.push(entry);
    size += entry.length;
  }
  parts[0]!.writeUInt32LE(entryIds.length, 0);
  parts[0]!.writeUInt32LE(size, 4);
  return Buffer.concat(parts);
}

/** PR_SEARCH_KEY of an SMTP address: `SMTP:` and the upper-cased address, NUL-terminated ([MS-OXCPRPT] 2.2.1.9). */
function searchKey(m: Mailbox): Buffer {
  return Buffer.from(`SMTP:${m.address.toUpperCase()}\0`, 'latin1');
}

/** The name to show: the display name, or the address when there is none ([MS-OXCMAIL] 2.2.3.1.1). */
function displayName(m: Mailbox): string {
  return m.name || m.address;
}

/**
 * PR_HTML is stored as UTF-8 with PR_INTERNET_CPID 65001; a `<meta charset>` naming the part's original
 * charset would contradict that, so it is made to say utf-8.
 */
export function utf8Html(html: string): string {
  return html.replace(/(<meta\b[^>]*?\bcharset\s*=\s*["']?)([\w.:-]+)/gi, '$1utf-8');
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}
