/**
 * Fidelity of the mapping for mail that is not the everyday case: Reply-To, S/MIME, out-of-range and zone-less
 * dates, raw 8-bit header bytes, named inline text parts, HTML whose charset only its `<meta>` declares.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import MsgReaderPackage, { type FieldsData } from '@kenjiuno/msgreader';
import { BufferContent, FileContent } from '@filing-sync/core';
import { MsgFormatter } from './msg-formatter.js';
import { MAILPARSER_OPTIONS } from './parse-message.js';
import { PropertyBag } from './property-bag.js';
import { compareWithMsgReader, compareWithMsgconvert, sha256 } from './roundtrip.test.util.js';
import { inspectCompoundFile } from './cfb-inspect.test.util.js';
import { type MsgObject, inspectMessage, int, str } from './msg-inspect.test.util.js';
import { Tag } from './mapi-tags.js';

const MsgReader = MsgReaderPackage.default;
const run = promisify(execFile);

/** A message from header lines and a body, CRLF line ends; header text given as Latin-1 keeps its raw bytes. */
function mail(head: string[], body: string[] | Buffer, headEncoding: BufferEncoding = 'utf8'): Buffer {
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, headEncoding), Buffer.isBuffer(body) ? body : Buffer.from(body.join('\r\n'))]);
}

/** The entry IDs of a FlatEntryList ([MS-OXCDATA] 2.3.3), checking its counts, sizes and 4-byte alignment. */
function flatEntries(list: Buffer): Buffer[] {
  const count = list.readUInt32LE(0);
  expect(list.readUInt32LE(4), 'size field = bytes after the two counts').to.equal(list.length - 8);
  const out: Buffer[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    expect(at % 4, `entry ${i} 4-byte aligned`).to.equal(0);
    const cb = list.readUInt32LE(at);
    out.push(list.subarray(at + 4, at + 4 + cb));
    at += 4 + ((cb + 3) & ~3);
  }
  expect(at, 'entries fill the list').to.equal(list.length);
  return out;
}

describe('fidelity of unusual mail', function () {
  this.timeout(120_000);
  let dir: string;
  const formatter = new MsgFormatter({ workers: 0 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msg-fidelity-'));
  });
  after(async () => {
    await formatter.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function convert(raw: Buffer): Promise<{ msg: Buffer; data: FieldsData; top: MsgObject; reader: InstanceType<typeof MsgReader> }> {
    const msg = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
    const reader = new MsgReader(msg as unknown as DataView);
    return { msg, data: reader.getFileData(), top: inspectMessage(inspectCompoundFile(msg)), reader };
  }

  it('hides only the parts the HTML shows as images: not a linked PDF, nor a part whose Content-ID another one starts with', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d40000000049454e44ae426082', 'hex');
    const part = (type: string, name: string, cid: string, bytes: Buffer) => [
      '--rel', `Content-Type: ${type}; name="${name}"`, `Content-ID: <${cid}>`, 'Content-Transfer-Encoding: base64', `Content-Disposition: inline; filename="${name}"`, '',
      bytes.toString('base64'),
    ];
    const raw = mail(
      ['From: a@example.com', 'To: b@example.com', 'Subject: inline or not', 'Date: Sat, 28 Nov 2026 14:46:13 +0000', 'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="rel"'],
      [
        '--rel', 'Content-Type: text/html; charset=utf-8', '',
        '<p><img src="cid:img10"></p><p>See <a href="cid:contract@x">the contract</a>.</p>',
        ...part('image/png', 'one.png', 'img1', png),
        ...part('image/png', 'ten.png', 'img10', png),
        ...part('application/pdf', 'contract.pdf', 'contract@x', Buffer.from('%PDF-1.4\n%%EOF\n')),
        '--rel--', '',
      ],
    );
    const { top } = await convert(raw);
    const byName = new Map(top.attachments.map((a) => [str(a, Tag.AttachLongFilename), a]));
    const hidden = (name: string) => int(byName.get(name)!, Tag.AttachmentHidden);
    const flags = (name: string) => int(byName.get(name)!, Tag.AttachFlags);
    expect(hidden('ten.png'), 'shown by <img>').to.equal(1);
    expect(flags('ten.png')).to.equal(4);
    for (const name of ['one.png', 'contract.pdf']) {
      expect(hidden(name), name).to.equal(undefined);
      expect(flags(name), name).to.equal(undefined);
    }
  });

  const replyToMail = mail(
    [
      'Date: Mon, 15 Jan 2024 10:00:00 +0100',
      'From: Shop <noreply@shop.example>',
      'Sender: bounces@mailer.example',
      'Reply-To: Support Team <support@shop.example>, sales@shop.example',
      'To: bob@example.org',
      'Subject: reply-to test',
      'Message-ID: <rt@x>',
    ],
    ['hi', ''],
  );

  it('writes Reply-To as reply recipient names and a FlatEntryList of one-off entry IDs ([MS-OXCMAIL] 2.2.3.1.6)', async () => {
    const { msg, top } = await convert(replyToMail);
    expect(str(top, Tag.ReplyRecipientNames)).to.equal('Support Team; sales@shop.example');
    const entries = flatEntries(top.props.get(Tag.ReplyRecipientEntries)!.data!);
    expect(entries).to.have.length(2);
    for (const [i, text] of ['Support Team\0SMTP\0support@shop.example\0', 'sales@shop.example\0SMTP\0sales@shop.example\0'].entries()) {
      expect(entries[i]!.subarray(0, 4).toString('hex'), 'one-off entry ID flags').to.equal('00000000');
      expect(entries[i]!.subarray(4, 20).toString('hex'), 'one-off provider').to.equal('812b1fa4bea310199d6e00dd010f5402');
      expect(entries[i]!.subarray(24).toString('utf16le')).to.equal(text);
    }
    // The same entry ID format as the recipients'.
    expect(entries[0]!.subarray(0, 24).equals(top.recipients[0]!.props.get(Tag.EntryId)!.data!.subarray(0, 24))).to.equal(true);
    await compareWithMsgReader(replyToMail, msg, 'reply-to');
    await compareWithMsgconvert(replyToMail, msg, dir, 'reply-to');
  });

  const p7m = randomBytes(300);
  const smime = (type: string, extra: string[] = []) =>
    mail(
      ['Date: Mon, 15 Jan 2024 10:00:00 +0100', 'From: Alice <alice@example.com>', 'To: Bob <bob@example.org>', 'Subject: encrypted', 'MIME-Version: 1.0', `Content-Type: ${type}`, 'Content-Transfer-Encoding: base64', ...extra],
      [p7m.toString('base64'), ''],
    );

  it('files an encrypted or opaque-signed S/MIME message as IPM.Note.SMIME with the p7m as its one attachment ([MS-OXOSMIME] 2.1.3.2)', async () => {
    const cases: [string, Buffer, string, string][] = [
      ['pkcs7-mime, named', smime('application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', ['Content-Disposition: attachment; filename="smime.p7m"']), 'smime.p7m', 'application/pkcs7-mime'],
      ['x-pkcs7-mime, unnamed', smime('application/x-pkcs7-mime; smime-type=signed-data'), 'smime.p7m', 'application/x-pkcs7-mime'],
      // mailparser gives an octet-stream part the type its name implies.
      ['octet-stream named .p7m', smime('application/octet-stream', ['Content-Disposition: attachment; filename="Mail.P7M"']), 'Mail.P7M', 'application/pkcs7-mime'],
    ];
    for (const [label, raw, name, mimeTag] of cases) {
      const { data, reader } = await convert(raw);
      expect(data.messageClass, label).to.equal('IPM.Note.SMIME');
      expect(data.body, `${label}: no body`).to.equal(undefined);
      expect(data.html, `${label}: no HTML`).to.equal(undefined);
      expect(data.subject, label).to.equal('encrypted');
      expect(data.attachments, label).to.have.length(1);
      const a = data.attachments![0]!;
      expect(a.fileName, label).to.equal(name);
      expect(a.attachMimeTag?.toLowerCase(), label).to.equal(mimeTag);
      expect(sha256(reader.getAttachment(a).content), `${label}: bytes`).to.equal(sha256(p7m));
    }
  });

  it('leaves clear-signed mail and a .p7m inside a multipart/mixed message as IPM.Note', async () => {
    const signed = mail(
      ['From: a@example.com', 'To: b@example.com', 'Subject: signed', 'MIME-Version: 1.0', 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="S"'],
      ['--S', 'Content-Type: text/plain', '', 'Hello signed', '--S', 'Content-Type: application/pkcs7-signature; name="smime.p7s"', 'Content-Transfer-Encoding: base64', '', p7m.toString('base64'), '--S--', ''],
    );
    const mixed = mail(
      ['From: a@example.com', 'To: b@example.com', 'Subject: forwarded p7m', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="M"'],
      ['--M', 'Content-Type: text/plain', '', 'see attached', '--M', 'Content-Type: application/pkcs7-mime; name="smime.p7m"', 'Content-Transfer-Encoding: base64', '', p7m.toString('base64'), '--M--', ''],
    );
    for (const raw of [signed, mixed]) {
      const { msg, data } = await convert(raw);
      expect(data.messageClass).to.equal('IPM.Note');
      await compareWithMsgReader(raw, msg, data.subject!);
    }
  });

  it('leaves out times a FILETIME cannot hold instead of failing the conversion', async () => {
    const raw = mail(['Date: Tue, 1 Jan 1980 00:00:00 +0000', 'Received: from x by y; Mon, 1 Jan 1600 00:00:00 +0000', 'From: a@example.com', 'To: b@example.com', 'Subject: old received'], ['body', '']);
    const { data, top } = await convert(raw);
    expect(data.clientSubmitTime).to.equal('Tue, 01 Jan 1980 00:00:00 GMT');
    expect(data.messageDeliveryTime).to.equal(undefined);
    expect(top.props.has(Tag.CreationTime)).to.equal(false);
    const { data: old } = await convert(mail(['Date: Sat, 1 Jan 1600 00:00:00 +0000', 'From: a@example.com', 'Subject: 1600'], ['body', '']));
    expect(old.clientSubmitTime).to.equal(undefined);
    expect(old.subject).to.equal('1600');
    // The far end: Windows reads a FILETIME up to the year 30828; a JavaScript date goes on to 275760.
    const bag = new PropertyBag().time(Tag.ClientSubmitTime, new Date(8.64e15)).time(Tag.CreationTime, new Date(Date.UTC(30828, 0, 1)));
    const props = bag.toEntries({ kind: 'recipient' })[0] as { name: string; data: Buffer };
    expect(props.name).to.equal('__properties_version1.0');
    expect(props.data.length, 'one time property').to.equal(8 + 16);
    expect(props.data.readUInt32LE(8), 'the one in range').to.equal(Tag.CreationTime);
  });

  const zoneDates: [string, string][] = [
    ['Mon, 15 Jan 2024 10:00:00', 'Mon, 15 Jan 2024 10:00:00 GMT'],
    ['Mon, 15 Jan 2024 10:00:00 CET', 'Mon, 15 Jan 2024 10:00:00 GMT'],
    ['Mon, 15 Jan 2024 10:00:00 MET', 'Mon, 15 Jan 2024 10:00:00 GMT'],
    ['Mon, 15 Jan 2024 10:00:00 JST', 'Mon, 15 Jan 2024 10:00:00 GMT'],
    ['Tue, 9 Jan 2024 09:41:33 +0100 CET', 'Tue, 09 Jan 2024 08:41:33 GMT'],
    ['Mon, 15 Jan 2024 10:00:00 EST', 'Mon, 15 Jan 2024 15:00:00 GMT'],
    ['Mon, 15 Jan 2024 10:00:00 PDT', 'Mon, 15 Jan 2024 17:00:00 GMT'],
  ];

  it('reads dates by RFC 5322 rules, not by the machine zone: missing and unknown zones are UTC, US zones have offsets', async () => {
    // A child process in a zone far from UTC converts each message and hands the .msg back.
    const script = `
      import { convertToMsg, DEFAULT_CONVERT_OPTIONS } from ${JSON.stringify(new URL('./convert.js', import.meta.url).href)};
      const out = [];
      for (const date of JSON.parse(process.argv[1])) {
        const raw = Buffer.from('Date: ' + date + '\\r\\nFrom: a@example.com\\r\\nSubject: zone\\r\\n\\r\\nbody\\r\\n');
        out.push((await convertToMsg(raw, DEFAULT_CONVERT_OPTIONS)).bytes.toString('base64'));
      }
      process.stdout.write(JSON.stringify(out));`;
    for (const tz of ['America/New_York', 'Asia/Tokyo']) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(zoneDates.map(([d]) => d))], { env: { ...process.env, TZ: tz } });
      const msgs = (JSON.parse(stdout) as string[]).map((b) => Buffer.from(b, 'base64'));
      zoneDates.forEach(([date, want], i) => {
        expect(new MsgReader(msgs[i] as unknown as DataView).getFileData().clientSubmitTime, `${date} in ${tz}`).to.equal(want);
      });
    }
  });

  const raw8bit = mail(
    ['Date: Mon, 15 Jan 2024 10:00:00 +0100', 'From: René Dupont <rene@example.com>', 'To: "Jürgen, Straße" <j@example.de>', 'Subject: Café crème', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'],
    Buffer.from('Café\r\n', 'latin1'),
    'latin1',
  );

  it('decodes raw 8-bit header bytes that are not UTF-8 with the charset of the root part, else windows-1252', async () => {
    const { data, top } = await convert(raw8bit);
    expect(data.subject).to.equal('Café crème');
    expect(data.senderName).to.equal('René Dupont');
    expect(data.recipients![0]!.name).to.equal('Jürgen, Straße');
    expect(str(top, Tag.DisplayTo)).to.equal('Jürgen, Straße');
    expect(data.body).to.equal('Café\n');
    expect(data.headers, 'transport headers as they were, read as Latin-1').to.include('Subject: Café crème\r\n');
    // No charset declared, windows-1252 bytes (€, curly quotes); and a declared charset other than Latin-1.
    const cp1252 = mail(['From: =?utf-8?Q?Ren=C3=A9?= <a@example.com>', 'Subject: \x93quoted\x94 costs \x80 5'], ['body', ''], 'latin1');
    expect((await convert(cp1252)).data.subject).to.equal('“quoted” costs € 5');
    const koi8 = mail(['From: a@example.com', 'Subject: \xf0\xd2\xc9\xd7\xc5\xd4', 'Content-Type: text/plain; charset=koi8-r'], ['body', ''], 'latin1');
    expect((await convert(koi8)).data.subject).to.equal('Привет');
  });

  it('decodes raw 8-bit headers of a large message read from a file the same way, attachment intact', async () => {
    const attachment = randomBytes(5 * 1024 * 1024);
    const raw = mail(
      ['From: René <a@example.com>', 'Subject: Café grand', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      ['--b', 'Content-Type: text/plain', '', 'see', '--b', 'Content-Type: application/octet-stream; name="big.bin"', 'Content-Transfer-Encoding: base64', '', attachment.toString('base64').replace(/.{76}/g, '$&\r\n'), '--b--', ''],
      'latin1',
    );
    const path = join(dir, 'large-8bit.eml');
    await writeFile(path, raw);
    const msg = await (await formatter.render(await FileContent.of(path), { scratchDir: await mkdtemp(join(dir, 'scratch-')) })).bytes();
    const reader = new MsgReader(msg as unknown as DataView);
    const data = reader.getFileData();
    expect([data.subject, data.senderName, data.body]).to.deep.equal(['Café grand', 'René', 'see']);
    expect(sha256(reader.getAttachment(data.attachments![0]!).content)).to.equal(sha256(attachment));
  });

  const inlineText = mail(
    ['Date: Mon, 15 Jan 2024 10:00:00 +0100', 'From: Alice <alice@example.com>', 'To: Bob <bob@example.org>', 'Subject: inline text attachment', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="B"'],
    [
      '--B', 'Content-Type: text/plain; charset=utf-8', '', 'Please see the log below.',
      '--B', 'Content-Type: text/plain; charset=utf-8; name="server.log"', 'Content-Disposition: inline; filename="server.log"', '', 'line1 of log', 'line2 of log',
      '--B', 'Content-Type: text/html; charset=utf-8', 'Content-Disposition: inline; filename="page.html"', '', '<p>a page</p>',
      '--B', 'Content-Type: text/x-python; name="script.py"', 'Content-Disposition: inline; filename="script.py"', '', 'print("hi")',
      '--B--', '',
    ],
  );

  it('keeps named inline text parts after the body as attachments ([MS-OXCMAIL] 2.2.3.3, 2.2.3.4)', async () => {
    const { data, reader } = await convert(inlineText);
    expect(data.body).to.equal('Please see the log below.');
    expect(data.html).to.equal(undefined);
    const atts = data.attachments!.map((a) => [a.fileName, a.attachMimeTag, Buffer.from(reader.getAttachment(a).content).toString()]);
    expect(atts).to.deep.equal([
      ['server.log', 'text/plain', 'line1 of log\r\nline2 of log'],
      ['page.html', 'text/html', '<p>a page</p>'],
      ['script.py', 'text/x-python', 'print("hi")'],
    ]);
    // Why the round-trip tests' reference (plain mailparser) is not used here: it appends the parts to the body.
    const stock = await simpleParser(inlineText, MAILPARSER_OPTIONS);
    expect(stock.text).to.include('line1 of log');
    expect(stock.attachments.map((a) => a.filename)).to.deep.equal(['script.py']);
  });

  it('keeps a named first text part and named alternatives as the body', async () => {
    const single = mail(['From: a@example.com', 'Subject: notes', 'Content-Type: text/plain; name="notes.txt"', 'Content-Disposition: inline; filename="notes.txt"'], ['the notes', '']);
    const alternative = mail(
      ['From: a@example.com', 'Subject: alt', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="A"'],
      ['--A', 'Content-Type: text/plain; name="body.txt"', '', 'plain', '--A', 'Content-Type: text/html; name="body.html"', '', '<p>html</p>', '--A--', ''],
    );
    for (const raw of [single, alternative]) {
      const { msg, data } = await convert(raw);
      expect(data.attachments ?? [], data.subject).to.deep.equal([]);
      await compareWithMsgReader(raw, msg, data.subject!);
    }
  });

  it('decodes HTML without a charset parameter by the charset its <meta> declares', async () => {
    const raw = mail(
      ['From: a@example.com', 'Subject: html meta charset', 'MIME-Version: 1.0', 'Content-Type: text/html', 'Content-Transfer-Encoding: 8bit'],
      Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>Caf\xe9 \x80 5</body></html>\r\n', 'latin1'),
    );
    const { data } = await convert(raw);
    expect(Buffer.from(data.html!).toString('utf8')).to.equal('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>Café € 5</body></html>\n');
    expect(data.body).to.include('Café € 5');
    // Without a <meta>, such HTML is still read as UTF-8.
    const utf8 = mail(['From: a@example.com', 'Subject: plain html', 'Content-Type: text/html'], ['<p>Grüße ✔</p>', '']);
    const back = await convert(utf8);
    expect(Buffer.from(back.data.html!).toString('utf8')).to.equal('<p>Grüße ✔</p>\n');
    await compareWithMsgReader(utf8, back.msg, 'plain html');
  });
});
