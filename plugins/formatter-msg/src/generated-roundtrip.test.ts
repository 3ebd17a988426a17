import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import MsgReaderPackage from '@kenjiuno/msgreader';
import { BufferContent, FileContent } from '@filing-sync/core';
import { MsgFormatter } from './msg-formatter.js';
import { compareWithMsgReader, compareWithMsgconvert, sha256 } from './roundtrip.test.util.js';
import { inspectCompoundFile } from './cfb-inspect.test.util.js';
import { inspectMessage, int, str } from './msg-inspect.test.util.js';
import { Tag } from './mapi-tags.js';

const MsgReader = MsgReaderPackage.default;

/** Builds a raw message; Bcc is kept, as it is in a sender's filed copy. */
async function compose(mail: Mail.Options): Promise<Buffer> {
  const node = new MailComposer(mail).compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = true;
  return node.build();
}

const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

describe('generated messages round trip', function () {
  this.timeout(120_000);
  let dir: string;
  const formatter = new MsgFormatter({ workers: 0 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msg-generated-'));
  });
  after(async () => {
    await formatter.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function roundTrip(raw: Buffer, label: string, withMsgconvert = true): Promise<Buffer> {
    const msg = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
    await compareWithMsgReader(raw, msg, label);
    if (withMsgconvert) await compareWithMsgconvert(raw, msg, dir, label);
    return msg;
  }

  it('keeps Unicode subjects and names, and every recipient by type', async () => {
    const raw = await compose({
      from: { name: 'Zoë Ünïcødé 日本', address: 'zoe@example.com' },
      to: [{ name: 'Jürgen Straße', address: 'juergen@example.de' }, 'plain@example.com', { name: '山田 太郎 🎉', address: 'yamada@example.jp' }],
      cc: [{ name: 'Ørsted, Ann', address: 'ann@example.dk' }],
      bcc: ['hidden@example.com'],
      subject: 'Re: Überprüfung – 日本語 ✔ 🎉',
      text: 'Grüße, 你好, Привет 👋\nsecond line',
      html: '<p>Grüße, <b>你好</b>, Привет 👋</p>',
      date: new Date('2026-11-28T14:46:13Z'),
      messageId: '<unicode-1@example.com>',
      inReplyTo: '<parent@example.com>',
      references: ['<root@example.com>', '<parent@example.com>'],
      headers: { 'X-Priority': '1 (Highest)', Importance: 'High' },
    });
    const msg = await roundTrip(raw, 'unicode');
    const top = inspectMessage(inspectCompoundFile(msg));
    expect(str(top, Tag.SubjectPrefix)).to.equal('Re: ');
    expect(str(top, Tag.NormalizedSubject)).to.equal('Überprüfung – 日本語 ✔ 🎉');
    expect(str(top, Tag.DisplayTo)).to.equal('Jürgen Straße; plain@example.com; 山田 太郎 🎉');
    expect(str(top, Tag.DisplayCc)).to.equal('Ørsted, Ann');
    expect(str(top, Tag.DisplayBcc)).to.equal('hidden@example.com');
    expect(str(top, Tag.SentRepresentingName)).to.equal('Zoë Ünïcødé 日本');
    expect(str(top, Tag.InReplyToId)).to.equal('<parent@example.com>');
    expect(str(top, Tag.InternetReferences)).to.equal('<root@example.com> <parent@example.com>');
    expect(int(top, Tag.Importance)).to.equal(2);
    expect(int(top, Tag.Priority)).to.equal(1);
    expect(int(top, Tag.MessageFlags)! & 0x08).to.equal(0);
    // One-off entry IDs let Outlook reply to addresses it has in no address book.
    const entryId = top.recipients[0]!.props.get(Tag.EntryId)!.data!;
    expect(entryId.subarray(4, 20).toString('hex')).to.equal('812b1fa4bea310199d6e00dd010f5402');
    expect(entryId.subarray(24).toString('utf16le')).to.equal('Jürgen Straße\0SMTP\0juergen@example.de\0');
    expect(top.props.get(Tag.SenderEntryId)!.data!.subarray(24).toString('utf16le')).to.equal('Zoë Ünïcødé 日本\0SMTP\0zoe@example.com\0');
    expect(top.recipients[3]!.props.get(Tag.SearchKey)!.data!.toString('latin1')).to.equal('SMTP:ANN@EXAMPLE.DK\0');
  });

  it('writes many recipients (300) as separate storages', async () => {
    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ name: `${p} ${i}`, address: `${p}${i}@example.com` }));
    const raw = await compose({ from: 'a@example.com', to: many(200, 'to'), cc: many(80, 'cc'), bcc: many(20, 'bcc'), subject: 'many', text: 'x' });
    const msg = await roundTrip(raw, 'many-recipients');
    expect(inspectMessage(inspectCompoundFile(msg)).recipients).to.have.length(300);
  });

  it('hides inline images the HTML shows, keeps other attachments visible', async () => {
    const raw = await compose({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'inline',
      text: 'see the picture',
      html: '<p>logo: <img src="cid:logo@example.com"> and <img src="CID:chart@example.com"></p>',
      attachments: [
        { filename: 'logo.png', content: png, cid: 'logo@example.com' },
        { content: png, cid: 'chart@example.com', contentType: 'image/png' }, // nodemailer names it attachment-2.png
        { filename: 'unused.png', content: png, cid: 'unused@example.com' }, // has a cid, but the HTML does not show it
        { filename: 'report with a long name.pdf', content: randomBytes(3000), contentType: 'application/pdf' },
      ],
    });
    const msg = await roundTrip(raw, 'inline');
    const data = new MsgReader(msg as unknown as DataView).getFileData();
    const byName = new Map(data.attachments!.map((a) => [a.fileName, a]));
    expect(byName.get('logo.png')?.attachmentHidden).to.equal(true);
    expect(byName.get('attachment-2.png')?.attachmentHidden).to.equal(true);
    expect(byName.get('attachment-2.png')?.pidContentId).to.equal('chart@example.com');
    expect(byName.get('unused.png')?.attachmentHidden).to.not.equal(true);
    expect(byName.get('report with a long name.pdf')?.fileNameShort).to.equal('REPORT~1.PDF');
    expect(byName.get('report with a long name.pdf')?.extension).to.equal('.pdf');
  });

  it('names parts that have no name from their media type', async () => {
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'To: b@example.com',
        'Subject: unnamed',
        'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<img src="cid:pic1">',
        '--b1',
        'Content-Type: image/png',
        'Content-ID: <pic1>',
        'Content-Transfer-Encoding: base64',
        '',
        png.toString('base64'),
        '--b1',
        'Content-Type: application/pdf',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.4').toString('base64'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const msg = await roundTrip(raw, 'unnamed');
    const atts = new MsgReader(msg as unknown as DataView).getFileData().attachments!;
    expect(atts.map((a) => [a.fileName, a.fileNameShort, !!a.attachmentHidden])).to.deep.equal([
      ['image001.png', 'IMAGE001.PNG', true],
      ['attachment001.pdf', 'ATTACH~1.PDF', false],
    ]);
  });

  it('turns forwards nested two levels deep into embedded messages', async () => {
    const innermost = await compose({
      from: { name: 'Carol', address: 'carol@example.com' },
      to: 'bob@example.com',
      subject: 'innermost',
      text: 'level 2',
      date: new Date('2026-01-02T03:04:05Z'),
      attachments: [{ filename: 'deep.txt', content: 'deep attachment' }],
    });
    const middle = await compose({
      from: 'bob@example.com',
      to: 'alice@example.com',
      cc: 'dave@example.com',
      subject: 'Fw: innermost',
      html: '<p>level 1</p>',
      attachments: [{ content: innermost, contentType: 'message/rfc822', filename: 'innermost.eml' }],
    });
    const outer = await compose({
      from: 'alice@example.com',
      to: 'eve@example.com',
      subject: 'Fw: Fw: innermost',
      text: 'level 0',
      attachments: [
        { content: middle, contentType: 'message/rfc822' },
        { filename: 'top.txt', content: 'top attachment' },
      ],
    });
    const msg = await roundTrip(outer, 'nested');
    const data = new MsgReader(msg as unknown as DataView).getFileData();
    const level1 = data.attachments![0]!;
    expect(level1.innerMsgContent).to.equal(true);
    expect(level1.innerMsgContentFields!.subject).to.equal('Fw: innermost');
    const level2 = level1.innerMsgContentFields!.attachments![0]!;
    expect(level2.innerMsgContent).to.equal(true);
    expect(level2.innerMsgContentFields!.subject).to.equal('innermost');
    expect(level2.innerMsgContentFields!.senderName).to.equal('Carol');
    expect(level2.innerMsgContentFields!.attachments![0]!.fileName).to.equal('deep.txt');
    const top = inspectMessage(inspectCompoundFile(msg));
    expect(top.attachments[0]!.embedded!.attachments[0]!.embedded, 'second level storage').to.not.equal(undefined);
  });

  it('keeps 0-, 4095-, 4096- and 4097-byte attachments exact (mini stream boundary)', async () => {
    const sizes = [0, 4095, 4096, 4097];
    const contents = sizes.map((n) => randomBytes(n));
    const raw = await compose({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'sizes',
      text: 'sizes',
      attachments: contents.map((content, i) => ({ filename: `f${sizes[i]}.bin`, content })),
    });
    const msg = await roundTrip(raw, 'sizes');
    const reader = new MsgReader(msg as unknown as DataView);
    const atts = reader.getFileData().attachments!;
    contents.forEach((c, i) => expect(sha256(reader.getAttachment(atts[i]!).content)).to.equal(sha256(c)));
  });

  it('returns a 40 MB attachment as a file in the scratch folder and cleans its spool files', async () => {
    const big = randomBytes(40 * 1024 * 1024);
    const raw = await compose({ from: 'a@example.com', to: 'b@example.com', subject: 'big', text: 'big one', attachments: [{ filename: 'big.bin', content: big }] });
    const scratchDir = await mkdtemp(join(dir, 'scratch-'));
    const content = await formatter.render(new BufferContent(raw), { scratchDir });
    expect(content).to.be.instanceOf(FileContent);
    expect(await readdir(scratchDir), 'only the .msg stays').to.have.length(1);
    const msg = await content.bytes();
    expect(content.size).to.equal(msg.length);
    await compareWithMsgReader(raw, msg, 'big');
    await compareWithMsgconvert(raw, msg, dir, 'big');
    const reader = new MsgReader(msg as unknown as DataView);
    expect(sha256(reader.getAttachment(reader.getFileData().attachments![0]!).content)).to.equal(sha256(big));
  });

  it('decodes legacy charsets into UTF-16 (windows-1252, iso-8859-2, iso-2022-jp, utf-16)', async () => {
    const cases: { charset: string; body: Buffer; subject: string; expected: string; expectedSubject: string }[] = [
      { charset: 'windows-1252', body: Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0x80, 0x20, 0x93, 0x71, 0x94]), subject: '=?windows-1252?Q?Gr=FC=DFe_=80?=', expected: 'Grüße € “q”', expectedSubject: 'Grüße €' },
      { charset: 'iso-8859-2', body: Buffer.from([0x50, 0xf8, 0xed, 0x6c, 0x69, 0xb9, 0x20, 0xbe, 0x6c, 0x75, 0xbb, 0x6f, 0x75, 0xe8, 0x6b, 0xfd]), subject: '=?iso-8859-2?B?UPjtbGm5?=', expected: 'Příliš žluťoučký', expectedSubject: 'Příliš' },
      { charset: 'iso-2022-jp', body: Buffer.from('1b2442467c3b7e1b2842', 'hex'), subject: '=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=', expected: '日時', expectedSubject: '日本語' },
      { charset: 'utf-16', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Ünïcode ✔', 'utf16le')]), subject: '=?utf-8?B?w5xuw69jb2RlIOKclA==?=', expected: 'Ünïcode ✔', expectedSubject: 'Ünïcode ✔' },
    ];
    for (const c of cases) {
      const raw = Buffer.concat([
        Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nSubject: ${c.subject}\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=${c.charset}\r\nContent-Transfer-Encoding: ${c.charset === 'utf-16' ? 'binary' : '8bit'}\r\n\r\n`, 'latin1'),
        c.body,
      ]);
      const msg = await roundTrip(raw, c.charset);
      const data = new MsgReader(msg as unknown as DataView).getFileData();
      expect(data.body?.trim(), c.charset).to.equal(c.expected);
      expect(data.subject, c.charset).to.equal(c.expectedSubject);
    }
  });

  it('keeps the header block verbatim, repeated Received lines included', async () => {
    const head = [
      'Received: from mx2.example.net by mx1.example.com; Sat, 28 Nov 2026 14:47:00 +0000',
      'Received: from relay.example.org (relay [192.0.2.1])',
      '\tby mx2.example.net with ESMTPS; Sat, 28 Nov 2026 14:46:30 +0000',
      'Received: from client by relay.example.org; Sat, 28 Nov 2026 14:46:14 +0000',
      'X-Custom:   odd   spacing   kept',
      'From: a@example.com',
      'To: b@example.com',
      'Subject: headers',
      'Date: Sat, 28 Nov 2026 14:46:13 +0000',
      'Importance: low',
      'Sensitivity: Company-Confidential',
      'Thread-Topic: the topic',
      'Thread-Index: AdnDb6Dc3QMBmDN3SaiJ3dDMWpqBrA==',
    ];
    const raw = Buffer.from(`${head.join('\r\n')}\r\n\r\nbody\r\n`);
    const msg = await roundTrip(raw, 'headers');
    const data = new MsgReader(msg as unknown as DataView).getFileData();
    expect(data.headers).to.equal(`${head.join('\r\n')}\r\n\r\n`);
    expect(data.messageDeliveryTime, 'received by the last hop').to.equal('Sat, 28 Nov 2026 14:47:00 GMT');
    expect(data.clientSubmitTime).to.equal('Sat, 28 Nov 2026 14:46:13 GMT');
    const top = inspectMessage(inspectCompoundFile(msg));
    expect(int(top, Tag.Importance)).to.equal(0);
    expect(int(top, Tag.Priority)).to.equal(-1);
    expect(int(top, Tag.Sensitivity)).to.equal(3);
    expect(str(top, Tag.ConversationTopic)).to.equal('the topic');
    expect(top.props.get(Tag.ConversationIndex)?.data?.toString('base64')).to.equal('AdnDb6Dc3QMBmDN3SaiJ3dDMWpqBrA==');
  });
});
