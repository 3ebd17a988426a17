/**
 * MAPI property tags the formatter writes ([MS-OXPROPS]; values as in [MS-OXMSG] and [MS-OXCMAIL]).
 * A tag is the property id in the high 16 bits and the property type in the low 16 bits.
 * @packageDocumentation
 */

/** MAPI property types used here ([MS-OXCDATA] 2.11.1). */
export const PropType = {
  Integer16: 0x0002,
  Integer32: 0x0003,
  Boolean: 0x000b,
  Object: 0x000d,
  Unicode: 0x001f,
  Time: 0x0040,
  Binary: 0x0102,
} as const;

/** Property tags, named after their canonical `PR_` names. */
export const Tag = {
  // Message
  MessageClass: 0x001a001f,
  Subject: 0x0037001f,
  SubjectPrefix: 0x003d001f,
  NormalizedSubject: 0x0e1d001f,
  ConversationTopic: 0x0070001f,
  Importance: 0x00170003,
  Sensitivity: 0x00360003,
  ConversationIndex: 0x00710102,
  Priority: 0x00260003,
  ClientSubmitTime: 0x00390040,
  MessageDeliveryTime: 0x0e060040,
  CreationTime: 0x30070040,
  LastModificationTime: 0x30080040,
  MessageFlags: 0x0e070003,
  HasAttach: 0x0e1b000b,
  StoreSupportMask: 0x340d0003,
  TransportMessageHeaders: 0x007d001f,
  InternetMessageId: 0x1035001f,
  InReplyToId: 0x1042001f,
  InternetReferences: 0x1039001f,
  Body: 0x1000001f,
  Html: 0x10130102,
  InternetCodepage: 0x3fde0003,
  NativeBody: 0x10160003,
  RtfInSync: 0x0e1f000b,
  IconIndex: 0x10800003,
  DisplayTo: 0x0e04001f,
  DisplayCc: 0x0e03001f,
  DisplayBcc: 0x0e02001f,
  SentRepresentingName: 0x0042001f,
  SentRepresentingAddrType: 0x0064001f,
  SentRepresentingEmailAddress: 0x0065001f,
  SentRepresentingSmtpAddress: 0x5d02001f,
  SentRepresentingEntryId: 0x00410102,
  SentRepresentingSearchKey: 0x003b0102,
  SenderName: 0x0c1a001f,
  SenderAddrType: 0x0c1e001f,
  SenderEmailAddress: 0x0c1f001f,
  SenderSmtpAddress: 0x5d01001f,
  SenderEntryId: 0x0c190102,
  SenderSearchKey: 0x0c1d0102,
  ReplyRecipientNames: 0x0050001f,
  ReplyRecipientEntries: 0x004f0102,
  // Recipient
  RecipientType: 0x0c150003,
  DisplayName: 0x3001001f,
  AddrType: 0x3002001f,
  EmailAddress: 0x3003001f,
  SmtpAddress: 0x39fe001f,
  EntryId: 0x0fff0102,
  SearchKey: 0x300b0102,
  RowId: 0x30000003,
  ObjectType: 0x0ffe0003,
  DisplayType: 0x39000003,
  // Attachment
  AttachDataBinary: 0x37010102,
  AttachDataObject: 0x3701000d,
  AttachMethod: 0x37050003,
  AttachFilename: 0x3704001f,
  AttachLongFilename: 0x3707001f,
  AttachExtension: 0x3703001f,
  AttachMimeTag: 0x370e001f,
  AttachContentId: 0x3712001f,
  AttachFlags: 0x37140003,
  AttachSize: 0x0e200003,
  AttachNum: 0x0e210003,
  AttachmentHidden: 0x7ffe000b,
  RenderingPosition: 0x370b0003,
} as const;

/** PR_OBJECT_TYPE values. */
export const ObjectType = { MailUser: 6, Attachment: 7 } as const;
/** Provider UID of one-off entry IDs ([MS-OXCDATA] 2.2.5.1), on-disk byte order. */
export const ONE_OFF_PROVIDER_UID = Buffer.from('812b1fa4bea310199d6e00dd010f5402', 'hex');
/** PR_STORE_SUPPORT_MASK as Outlook writes it: STORE_UNICODE_OK plus the usual capability bits. */
export const STORE_SUPPORT_MASK = 0x00040e79;
/** PR_MESSAGE_FLAGS bits ([MS-OXCMSG] 2.2.1.6). mfUnsent (0x08) is never written: a filed mail is received. */
export const MessageFlag = { Read: 0x01, Unmodified: 0x02, HasAttach: 0x10 } as const;
/** PR_ATTACH_METHOD values. */
export const AttachMethod = { ByValue: 1, EmbeddedMessage: 5 } as const;
/** PR_ATTACH_FLAGS attRenderedInBody: the attachment is shown inside the HTML body. */
export const ATT_RENDERED_IN_BODY = 4;
/** Property attribute flags ([MS-OXMSG] 2.4.2.1). */
export const PropFlag = { Mandatory: 1, Readable: 2, Writable: 4 } as const;
/** Root storage class of an Outlook message, {00020D0B-0000-0000-C000-000000000046}, in on-disk byte order. */
export const OUTLOOK_MESSAGE_CLSID = Buffer.from('0b0d020000000000c000000000000046', 'hex');
