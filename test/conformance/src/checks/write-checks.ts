import { expect } from 'chai';
import { BufferContent } from '@filing-sync/core';
import type { CheckGroup } from '../check.js';
import { nameLength } from '../legal-name.js';
import { sampleBytes, sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing, sha256 } from './fixtures.js';

/** The size of the large-file check: past the threshold by an odd amount, so the last chunk is partial. */
export function largeSize(threshold: number): number {
  return threshold + 64 * 1024 + 3;
}

/** The Sink contract's create/stat primitives, without the core's placement on top. */
export const writeChecks: CheckGroup = {
  title: 'write and read back',
  checks: [
    {
      id: 'write/read-back',
      title: 'create() stores the bytes and reports name, size and path',
      async run(ctx) {
        const target = await ctx.target();
        const bytes = sampleMessage('Read back', 1);
        const result = await target.sink.create('Read back.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        expect(result.created, 'created').to.equal(true);
        if (!result.created) return;
        expect(result.entry.name).to.equal('Read back.eml');
        expect(result.entry.size).to.equal(bytes.length);
        expect(result.entry.path, 'entry.path').to.be.a('string').and.include('Read back.eml');
        await expectStored(target, 'Read back.eml', bytes);
      },
    },
    {
      id: 'write/stat',
      title: 'stat() finds a written file with its size',
      async run(ctx) {
        const target = await ctx.target();
        const bytes = sampleMessage('Stat', 2);
        await target.sink.create('Stat me.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        const entry = await target.sink.stat('Stat me.eml');
        expect(entry, 'stat result').not.to.equal(undefined);
        expect(entry!.name).to.equal('Stat me.eml');
        expect(entry!.size).to.equal(bytes.length);
      },
    },
    {
      id: 'write/hash',
      title: 'the reported hash equals the content\'s digest (create and stat)',
      gate: ({ capabilities }) => (capabilities.hashKind === undefined ? 'the sink declares no hashKind' : undefined),
      async run(ctx) {
        const target = await ctx.target();
        const content = new BufferContent(sampleMessage('Hash', 3));
        const kind = ctx.capabilities.hashKind!;
        const expected = await content.digest(kind);
        const result = await target.sink.create('Hash.eml', content, { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        if (result.created) expect(result.entry.hash, `create() entry.hash (${kind})`).to.equal(expected);
        expect((await target.sink.stat('Hash.eml'))?.hash, `stat() hash (${kind})`).to.equal(expected);
      },
    },
    {
      id: 'write/modified-time',
      title: 'the stored modified time is the sent time',
      gate: ({ capabilities }) => (capabilities.setsModifiedTime ? undefined : 'the sink declares setsModifiedTime: false'),
      async run(ctx) {
        const target = await ctx.target();
        await target.sink.create('Timed.eml', new BufferContent(sampleMessage('Timed', 4)), { modifiedAt: SENT_AT });
        const stored = target.modifiedAt ? await target.modifiedAt('Timed.eml') : (await target.sink.stat('Timed.eml'))?.modifiedAt;
        expect(stored, 'stored modified time').to.be.instanceOf(Date);
        const precision = ctx.options.modifiedTimePrecisionMs ?? 2000;
        expect(Math.abs(stored!.getTime() - SENT_AT.getTime()), `distance from ${SENT_AT.toISOString()}, ms`).to.be.at.most(precision);
        const viaSink = (await target.sink.stat('Timed.eml'))?.modifiedAt;
        if (viaSink) expect(Math.abs(viaSink.getTime() - SENT_AT.getTime()), 'stat().modifiedAt distance, ms').to.be.at.most(precision);
      },
    },
    {
      id: 'write/no-clobber',
      title: 'create() on a taken name resolves created: false and leaves the file alone',
      async run(ctx) {
        const target = await ctx.target();
        const first = sampleMessage('First', 5);
        await target.sink.create('Taken.eml', new BufferContent(first), { modifiedAt: SENT_AT });
        const second = await target.sink.create('Taken.eml', new BufferContent(sampleMessage('Second', 6)), { modifiedAt: SENT_AT });
        expect(second.created, 'second create').to.equal(false);
        await expectStored(target, 'Taken.eml', first);
        expect(await listing(target)).to.deep.equal(['Taken.eml']);
      },
    },
    {
      id: 'write/zero-bytes',
      title: 'a 0-byte file is stored as 0 bytes',
      async run(ctx) {
        const target = await ctx.target();
        const result = await target.sink.create('Empty.eml', new BufferContent(Buffer.alloc(0)), { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        await expectStored(target, 'Empty.eml', Buffer.alloc(0));
        expect((await target.sink.stat('Empty.eml'))?.size, 'stat().size').to.equal(0);
      },
    },
    {
      id: 'write/binary-exact',
      title: 'every byte value and CR/LF/CRLF sequences round-trip unchanged',
      async run(ctx) {
        const target = await ctx.target();
        const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n\n\r\r\n\u0000\u00ff'), sampleBytes(4096, 7)]);
        await target.sink.create('Binary.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        await expectStored(target, 'Binary.eml', bytes);
      },
    },
    {
      id: 'write/large',
      title: 'a file above the large-upload threshold (chunked/streamed path) is stored whole',
      gate: ({ capabilities, options }) =>
        capabilities.largeUploadThreshold === undefined && options.largeFileSize === undefined
          ? 'the sink declares no largeUploadThreshold and no largeFileSize was given'
          : undefined,
      async run(ctx) {
        const target = await ctx.target();
        const size = ctx.capabilities.largeUploadThreshold !== undefined ? largeSize(ctx.capabilities.largeUploadThreshold) : ctx.options.largeFileSize!;
        const bytes = sampleBytes(size, 8);
        const result = await target.sink.create('Large.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        if (result.created) expect(result.entry.size).to.equal(size);
        await expectStored(target, 'Large.eml', bytes);
        expect((await target.sink.stat('Large.eml'))?.size).to.equal(size);
      },
    },
    {
      id: 'write/deep-folders',
      title: 'missing folders are created, three levels deep',
      async run(ctx) {
        const target = await ctx.target({ depth: 3 });
        expect(await target.list(), 'nothing there before').to.deep.equal([]);
        const bytes = sampleMessage('Deep', 9);
        const result = await target.sink.create('Deep.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        await expectStored(target, 'Deep.eml', bytes);
      },
    },
    {
      id: 'write/others-untouched',
      title: 'writing leaves the other files in the folder untouched',
      async run(ctx) {
        const target = await ctx.target();
        const a = sampleMessage('A', 10);
        const b = sampleMessage('B', 11);
        await target.sink.create('A.eml', new BufferContent(a), { modifiedAt: SENT_AT });
        await target.sink.create('B.eml', new BufferContent(b), { modifiedAt: SENT_AT });
        await target.sink.create('C.eml', new BufferContent(sampleMessage('C', 12)), { modifiedAt: SENT_AT });
        await target.sink.create('A.eml', new BufferContent(sampleMessage('A2', 13)), { modifiedAt: SENT_AT });
        await expectStored(target, 'A.eml', a);
        await expectStored(target, 'B.eml', b);
        expect(await listing(target)).to.deep.equal(['A.eml', 'B.eml', 'C.eml']);
      },
    },
    {
      id: 'write/no-leftovers',
      title: 'nothing but the written files is left in the folder (no partials or temp files)',
      async run(ctx) {
        const target = await ctx.target();
        for (let i = 0; i < 3; i++) await target.sink.create(`File ${i}.eml`, new BufferContent(sampleBytes(1000 * i, 20 + i)), { modifiedAt: SENT_AT });
        expect(await listing(target)).to.deep.equal(['File 0.eml', 'File 1.eml', 'File 2.eml']);
      },
    },
    {
      id: 'write/max-length-name',
      title: 'a name of the longest length the rules allow is accepted and round-trips',
      async run(ctx) {
        const target = await ctx.target();
        const rules = ctx.capabilities.pathRules;
        const max = Math.min(rules.maxSegmentLength, rules.maxPathLength - target.sink.folderPathLength);
        expect(max, 'room left for a name under this target').to.be.greaterThan(20);
        const name = `${'n'.repeat(max - 4)}.eml`;
        expect(nameLength(name, rules)).to.equal(max);
        const bytes = sampleMessage('Long', 14);
        const result = await target.sink.create(name, new BufferContent(bytes), { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        await expectStored(target, name, bytes);
        expect(await listing(target)).to.deep.equal([name]);
      },
    },
    {
      id: 'write/large-digest-stable',
      title: 'the large file read back through stat() has the content\'s hash',
      gate: ({ capabilities }) =>
        capabilities.largeUploadThreshold === undefined
          ? 'the sink declares no largeUploadThreshold'
          : capabilities.hashKind === undefined
            ? 'the sink declares no hashKind'
            : undefined,
      async run(ctx) {
        const target = await ctx.target();
        const content = new BufferContent(sampleBytes(largeSize(ctx.capabilities.largeUploadThreshold!), 15));
        await target.sink.create('Large hashed.eml', content, { modifiedAt: SENT_AT });
        const entry = await target.sink.stat('Large hashed.eml');
        expect(entry?.hash).to.equal(await content.digest(ctx.capabilities.hashKind!));
        expect(sha256(await target.read('Large hashed.eml'))).to.equal(sha256(await content.bytes()));
      },
    },
  ],
};
