#!/usr/bin/env node
/**
 * Writes the generated half of the demo sample set (samples/generated/*.eml) and the demo manifest
 * (manifest.json) that lists every sample, copied and generated.
 *
 *   node host-service/demo/generate-samples.mjs
 *
 * The output is committed; run this again only after changing the list below. Dates, message ids
 * and MIME boundaries are fixed, so the same list gives the same bytes.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer';

const here = path.dirname(fileURLToPath(import.meta.url));
const samples = path.join(here, 'samples');
const generated = path.join(samples, 'generated');

/** Deterministic bytes for attachments (xorshift32), so re-running changes nothing. */
function bytes(size, seed) {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A 1×1 PNG, for inline images. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A tiny but well-formed PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

const people = {
  ann: { name: 'Ann Example', address: 'ann@surrey-court.example' },
  bob: { name: 'Smith, Bob', address: 'bob.smith@harbour.example' },
  chloe: { name: 'Chloé Dubois', address: 'chloe@atelier.example' },
  wei: { name: '王伟', address: 'wei@example.cn' },
  dana: { name: 'דנה לוי', address: 'dana@example.co.il' },
  site: { address: 'site-office@mill-lane.example' },
  noreply: { name: 'Project Portal', address: 'no-reply@portal.example' },
};

const text = (s) => `${s}\n\n-- \nSent from the site office\n`;

/**
 * The generated messages. `location` picks where they are filed; `twice` files one message twice
 * (the second filing must end as "identical", never a second file).
 */
const messages = [
  { slug: 'dot-dot', location: 'surrey', from: people.ann, subject: '..', text: text('A subject that is only two dots.') },
  { slug: 'con', location: 'surrey', from: people.bob, subject: 'CON', text: text('A reserved Windows device name as the whole subject.') },
  { slug: 'nul-txt', location: 'harbour', from: people.bob, subject: 'nul.txt', text: text('A reserved device name with an extension.') },
  { slug: 'lpt1', location: 'mill', from: people.site, subject: 'LPT1.report for March', text: text('Reserved name before the first dot.') },
  { slug: 'forbidden-chars', location: 'surrey', from: people.ann, subject: 'what?*<>|"', text: text('Every character Windows forbids in a name.') },
  { slug: 'separators', location: 'harbour', from: people.chloe, subject: 'Drawings a/b\\c rev 2', text: text('Path separators in the subject.') },
  { slug: 'trailing-dots', location: 'surrey', from: people.ann, subject: 'Invoice 42...  ', text: text('Trailing dots and spaces.') },
  { slug: 'padded', location: 'mill', from: people.site, subject: '   padded subject   ', text: text('Leading and trailing spaces.') },
  { slug: 'control-chars', location: 'harbour', from: people.bob, subject: 'Tab\there, bell\u0007 and escape\u001b', text: text('Control characters in the subject.') },
  { slug: 'office-lock', location: 'surrey', from: people.ann, subject: '~$budget.xlsx lock', text: text('Starts like an Office lock file.') },
  { slug: 'emoji', location: 'surrey', from: people.chloe, subject: 'Site photos 📷🏗️ ready 👷‍♀️', text: text('Emoji, including a ZWJ sequence.') },
  { slug: 'cjk', location: 'harbour', from: people.wei, subject: '会议纪要：萨里法院项目第三次协调会', text: text('中文正文。') },
  { slug: 'rtl', location: 'mill', from: people.dana, subject: 'עדכון פרויקט — تحديث المشروع', text: text('שלום! مرحبا') },
  { slug: 'long-subject', location: 'surrey', from: people.ann, subject: `Long subject ${'lorem ipsum dolor sit amet '.repeat(11)}`.slice(0, 300), text: text('A 300-character subject.') },
  { slug: 'long-cjk-subject', location: 'harbour', from: people.wei, subject: '长'.repeat(300), text: text('300 CJK characters.') },
  { slug: 'empty-subject', location: 'mill', from: people.site, emptySubject: true, text: text('The Subject header is present but empty.') },
  { slug: 'no-subject', location: 'surrey', from: people.bob, text: text('No Subject header at all.') },
  { slug: 'reply-chain', location: 'harbour', from: people.bob, subject: 'RE: RE: FW: Crane booking', inReplyTo: '<crane-1@harbour.example>', references: ['<crane-0@harbour.example>', '<crane-1@harbour.example>'], text: text('Confirmed for Tuesday.') },
  {
    slug: 'html-only',
    location: 'surrey',
    from: people.noreply,
    subject: 'Portal digest: 3 new documents',
    html: '<html><body><h1>Digest</h1><ul><li>Plan A</li><li>Plan B</li><li>Survey</li></ul></body></html>',
  },
  {
    slug: 'html-inline-image',
    location: 'mill',
    from: people.chloe,
    subject: 'Elevation sketch (inline)',
    text: text('See the sketch below.'),
    html: '<p>See the sketch below.</p><img src="cid:sketch@demo">',
    attachments: [{ filename: 'sketch.png', content: PNG, cid: 'sketch@demo' }],
  },
  {
    slug: 'attachments',
    location: 'harbour',
    from: people.bob,
    subject: 'Contract documents',
    text: text('Attached: the contract and the schedule.'),
    attachments: [
      { filename: 'Contract.pdf', content: PDF, contentType: 'application/pdf' },
      { filename: 'Schedule.csv', content: 'task,start,end\nfoundations,2026-03-01,2026-04-15\nframe,2026-04-16,2026-06-30\n' },
      { filename: 'Übersicht Grundriss.bin', content: bytes(20_000, 7) },
    ],
  },
  {
    slug: 'large-attachment',
    location: 'surrey',
    from: people.ann,
    subject: 'Survey point cloud (large)',
    text: text('About 400 KB attached.'),
    attachments: [{ filename: 'survey.las', content: bytes(400_000, 42), contentType: 'application/octet-stream' }],
  },
  {
    slug: 'forwarded-message',
    location: 'mill',
    from: people.site,
    subject: 'FW: Delivery note',
    text: text('Forwarding the supplier message.'),
    attachments: [
      {
        filename: 'Delivery note.eml',
        contentType: 'message/rfc822',
        content: 'From: supplier@example.com\r\nTo: site-office@mill-lane.example\r\nSubject: Delivery note 778\r\nDate: Mon, 02 Mar 2026 07:00:00 +0000\r\n\r\n40 pallets delivered.\r\n',
      },
    ],
  },
  {
    slug: 'calendar',
    location: 'harbour',
    from: people.chloe,
    subject: 'Invitation: Design review',
    text: text('Design review on Thursday.'),
    icalEvent: {
      method: 'REQUEST',
      content:
        'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//filing-sync//demo//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:review-1@demo\r\n' +
        'DTSTAMP:20260301T090000Z\r\nDTSTART:20260305T140000Z\r\nDTEND:20260305T150000Z\r\nSUMMARY:Design review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    },
  },
  { slug: 'quoted-printable-accents', location: 'mill', from: people.chloe, subject: 'Réunion de chantier à 8h', text: text('Café, crème brûlée, façade.'), textEncoding: 'quoted-printable' },
  { slug: 'old-date', location: 'surrey', from: people.ann, subject: 'Archive: original tender', date: 'Fri, 31 Dec 1999 23:59:59 -0800', text: text('Sent before 2000, in another time zone.') },
  { slug: 'timezone-east', location: 'harbour', from: people.wei, subject: 'Shipment from Shanghai', date: 'Wed, 04 Mar 2026 01:30:00 +0800', text: text('Sent the previous day in UTC.') },
  { slug: 'collision-a', location: 'surrey', from: people.ann, subject: 'Weekly report', date: 'Fri, 06 Mar 2026 16:00:00 +0000', text: text('Week 10, first version.') },
  { slug: 'collision-b', location: 'surrey', from: people.bob, subject: 'Weekly report', date: 'Fri, 06 Mar 2026 16:00:00 +0000', text: text('Week 10, a different message with the same subject and time.') },
  { slug: 'duplicate', location: 'harbour', from: people.bob, subject: 'Filed twice by two people', text: text('The same message filed twice: the second filing must find it already there.'), twice: true },
  { slug: 'many-recipients', location: 'mill', from: people.site, subject: 'Site closure notice', to: Array.from({ length: 40 }, (_, i) => `worker${i + 1}@mill-lane.example`), text: text('The site is closed on Friday.') },
];

/** Where each location's messages go; relative targets are resolved by the demo runner. */
const locations = [
  { key: 'surrey', id: 'L-SURREY', name: 'Surrey Court', format: 'eml', targets: ['./var/filed/Surrey Court/email'] },
  {
    key: 'harbour',
    id: 'L-HARBOUR',
    name: 'Harbour Bridge',
    format: 'eml',
    targets: ['./var/filed/Harbour Bridge/email', './var/filed/Harbour Bridge/archive'],
  },
  { key: 'mill', id: 'L-MILL', name: 'Mill Lane', format: 'msg', targets: ['./var/filed/Mill Lane/email'] },
];

async function compose(m, index) {
  const day = 1 + (index % 27);
  const mail = {
    from: m.from,
    to: m.to ?? 'project-team@filing-sync.example',
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    date: m.date ?? `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][(day + 5) % 7]}, ${String(day).padStart(2, '0')} Feb 2026 ${String(8 + (index % 9)).padStart(2, '0')}:${String((index * 7) % 60).padStart(2, '0')}:00 +0000`,
    messageId: `<gen-${String(index + 1).padStart(2, '0')}-${m.slug}@demo.filing-sync.example>`,
    baseBoundary: `demo${String(index + 1).padStart(2, '0')}`,
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.html !== undefined ? { html: m.html } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.icalEvent ? { icalEvent: m.icalEvent } : {}),
    ...(m.inReplyTo ? { inReplyTo: m.inReplyTo, references: m.references } : {}),
    ...(m.textEncoding ? { textEncoding: m.textEncoding } : {}),
  };
  // The Date header is passed through as written, so each sample keeps its own time zone.
  const raw = await new MailComposer(mail).compile().build();
  // MailComposer leaves out an empty Subject; this sample needs the header present and empty.
  return m.emptySubject ? Buffer.from(raw.toString('latin1').replace('\r\nMessage-ID:', '\r\nSubject: \r\nMessage-ID:'), 'latin1') : raw;
}

async function listEml(dir) {
  const out = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listEml(full)));
    else if (entry.name.endsWith('.eml')) out.push(full);
  }
  return out;
}

async function main() {
  await rm(generated, { recursive: true, force: true });
  await mkdir(generated, { recursive: true });
  const filings = [];
  const filedAt = (n) => new Date(Date.UTC(2026, 2, 10, 9, 0, 0) + n * 60_000).toISOString();
  const rel = (file) => path.relative(here, file).split(path.sep).join('/');

  // The copied corpus first, spread over the three locations.
  const corpus = await listEml(path.join(samples, 'corpus'));
  corpus.forEach((file, i) => {
    filings.push({ id: `D${String(filings.length + 1).padStart(3, '0')}`, location: locations[i % 3].id, eml: rel(file), filedAt: filedAt(filings.length) });
  });

  for (const [i, m] of messages.entries()) {
    const file = path.join(generated, `${String(i + 1).padStart(2, '0')}-${m.slug}.eml`);
    await writeFile(file, await compose(m, i));
    const location = locations.find((l) => l.key === m.location).id;
    filings.push({ id: `D${String(filings.length + 1).padStart(3, '0')}`, location, eml: rel(file), filedAt: filedAt(filings.length) });
    if (m.twice) filings.push({ id: `D${String(filings.length + 1).padStart(3, '0')}`, location, eml: rel(file), filedAt: filedAt(filings.length) });
  }

  const manifest = {
    tenant: 'demo',
    token: 'demo-token-not-a-secret',
    locations: locations.map(({ key: _key, ...l }) => l),
    filings,
  };
  await writeFile(path.join(here, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${messages.length} messages generated; manifest lists ${filings.length} filings (${corpus.length} from the corpus)\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
