import { expect } from 'chai';
import { BufferContent, createHasher } from '@filing-sync/core';
import { sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored } from './fixtures.js';
import type { CheckGroup } from '../check.js';

/** The sink's declarations and its probe. */
export const contractChecks: CheckGroup = {
  title: 'contract',
  checks: [
    {
      id: 'contract/capabilities',
      title: 'declares coherent capabilities (path rules, hash kind, sizes)',
      async run({ capabilities: c }) {
        const r = c.pathRules;
        expect(r.replacement, 'pathRules.replacement').to.be.a('string').with.length.greaterThan(0);
        for (const ch of r.replacement) expect(`${r.forbiddenChars}/\\`, 'the replacement is itself allowed').not.to.include(ch);
        expect(r.maxSegmentLength, 'pathRules.maxSegmentLength').to.be.a('number').greaterThan(20);
        expect(r.maxPathLength, 'pathRules.maxPathLength').to.be.at.least(r.maxSegmentLength);
        expect(['utf16', 'utf8'], 'pathRules.lengthUnit').to.include(r.lengthUnit);
        expect(r.caseInsensitive, 'pathRules.caseInsensitive').to.be.a('boolean');
        if (c.hashKind !== undefined) expect(() => createHasher(c.hashKind!), `hashKind "${c.hashKind}" is registered`).not.to.throw();
        if (c.largeUploadThreshold !== undefined) expect(c.largeUploadThreshold, 'largeUploadThreshold').to.be.greaterThan(0);
        if (c.maxFileSize !== undefined) expect(c.maxFileSize, 'maxFileSize').to.be.greaterThan(0);
        expect(c.atomicCreate, 'atomicCreate').to.be.a('boolean');
        expect(c.setsModifiedTime, 'setsModifiedTime').to.be.a('boolean');
      },
    },
    {
      id: 'contract/display-path',
      title: 'shows its target folder and measures its path',
      async run(ctx) {
        const { sink } = await ctx.target();
        expect(sink.displayPath, 'displayPath').to.be.a('string').with.length.greaterThan(0);
        expect(Number.isInteger(sink.folderPathLength), 'folderPathLength is an integer').to.equal(true);
        expect(sink.folderPathLength, 'folderPathLength').to.be.greaterThan(0).and.lessThan(ctx.capabilities.pathRules.maxPathLength);
      },
    },
    {
      id: 'contract/check-writable',
      title: 'check() says writable for a fresh target under a writable root, also three levels deep',
      async run(ctx) {
        const { sink } = await ctx.target();
        expect(await sink.check()).to.equal('writable');
        const deep = await ctx.target({ depth: 3 });
        expect(await deep.sink.check(), 'three missing levels').to.equal('writable');
        expect(await deep.list(), 'check() wrote nothing into the folder').to.deep.equal([]);
      },
    },
    {
      id: 'contract/stat-absent',
      title: 'stat() of an absent name is undefined, even before the folder exists',
      async run(ctx) {
        const { sink } = await ctx.target({ depth: 2 });
        expect(await sink.stat('absent.eml')).to.equal(undefined);
      },
    },
    {
      id: 'contract/recover',
      title: 'recover() resolves a count and leaves complete files alone',
      async run(ctx) {
        const target = await ctx.target();
        if (!target.sink.recover) return ctx.skip('the sink has no recover()');
        const bytes = sampleMessage('Keep', 16);
        await target.sink.create('Keep.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        const removed = await target.sink.recover!();
        expect(removed, 'leftovers removed').to.be.a('number').and.at.least(0);
        expect(await target.list()).to.deep.equal(['Keep.eml']);
        await expectStored(target, 'Keep.eml', bytes);
      },
    },
    {
      id: 'contract/dispose',
      title: 'dispose() resolves, also when called twice',
      async run(ctx) {
        const { sink } = await ctx.target();
        await sink.check();
        await sink.dispose?.();
        await sink.dispose?.();
      },
    },
  ],
};
