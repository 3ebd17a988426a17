import { expect } from 'chai';
import { BufferContent, placeFile } from '@filing-sync/core';
import type { CheckGroup } from '../check.js';
import { nameLength, nameProblems } from '../legal-name.js';
import { sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing } from './fixtures.js';
import { nameFor } from './naming.js';

const needHash = 'the sink reports no hash kind: placeFile cannot prove content identical and writes a (2) copy instead';
const place = (sink: Parameters<typeof placeFile>[0], name: string, bytes: Buffer) => placeFile(sink, name, new BufferContent(bytes), { modifiedAt: SENT_AT });

/** The core's collision policy (placeFile) on top of the sink's no-clobber primitives. */
export const placementChecks: CheckGroup = {
  title: 'placement (placeFile)',
  checks: [
    {
      id: 'place/created',
      title: 'a new name is created under the namer\'s name',
      async run(ctx) {
        const target = await ctx.target();
        const name = nameFor(target.sink, 'Site visit notes');
        expect(name).to.equal('20261128T144613Z Site visit notes.eml');
        const bytes = sampleMessage('Site visit notes', 70);
        const result = await place(target.sink, name, bytes);
        expect(result.outcome).to.equal('created');
        expect(result.name).to.equal(name);
        await expectStored(target, name, bytes);
      },
    },
    {
      id: 'place/identical',
      title: 'an identical re-write is identical and writes nothing new',
      gate: ({ capabilities }) => (capabilities.hashKind === undefined ? needHash : undefined),
      async run(ctx) {
        const target = await ctx.target();
        const name = nameFor(target.sink, 'Again');
        const bytes = sampleMessage('Again', 71);
        await place(target.sink, name, bytes);
        const again = await place(target.sink, name, bytes);
        expect(again.outcome).to.equal('identical');
        expect(again.name).to.equal(name);
        expect(await listing(target)).to.deep.equal([name]);
        await expectStored(target, name, bytes);
      },
    },
    {
      id: 'place/renamed-2-3',
      title: 'different content under the same name becomes " (2)", then " (3)"; the first stays',
      async run(ctx) {
        const target = await ctx.target();
        const name = nameFor(target.sink, 'Collide');
        const [a, b, c] = [72, 73, 74].map((seed) => sampleMessage('Collide', seed)) as [Buffer, Buffer, Buffer];
        expect((await place(target.sink, name, a)).outcome).to.equal('created');
        const second = await place(target.sink, name, b);
        const third = await place(target.sink, name, c);
        const stem = name.slice(0, -'.eml'.length);
        expect([second.outcome, second.name]).to.deep.equal(['renamed', `${stem} (2).eml`]);
        expect([third.outcome, third.name]).to.deep.equal(['renamed', `${stem} (3).eml`]);
        await expectStored(target, name, a);
        await expectStored(target, second.name, b);
        await expectStored(target, third.name, c);
        expect(await listing(target)).to.deep.equal([name, second.name, third.name].sort());
      },
    },
    {
      id: 'place/identical-to-numbered',
      title: 'content already stored as " (2)" is identical to that copy, not written a third time',
      gate: ({ capabilities }) => (capabilities.hashKind === undefined ? needHash : undefined),
      async run(ctx) {
        const target = await ctx.target();
        const name = nameFor(target.sink, 'Numbered');
        const a = sampleMessage('Numbered', 75);
        const b = sampleMessage('Numbered', 76);
        await place(target.sink, name, a);
        const second = await place(target.sink, name, b);
        const again = await place(target.sink, name, b);
        expect([again.outcome, again.name]).to.deep.equal(['identical', second.name]);
        expect(await listing(target)).to.have.length(2);
      },
    },
    {
      id: 'place/external-file',
      title: 'a file someone else put there is found identical when its bytes match, kept when they differ',
      gate: ({ capabilities }) => (capabilities.hashKind === undefined ? needHash : undefined),
      async run(ctx) {
        const target = await ctx.target();
        if (!target.putExternally) return ctx.skip('the target has no putExternally hook');
        const name = nameFor(target.sink, 'Saved by hand');
        const bytes = sampleMessage('Saved by hand', 83);
        await target.putExternally(name, bytes);
        const same = await place(target.sink, name, bytes);
        expect([same.outcome, same.name], 'the same bytes, stored by someone else').to.deep.equal(['identical', name]);
        const other = await place(target.sink, name, sampleMessage('Saved by hand', 84));
        expect(other.outcome, 'other bytes under that name').to.equal('renamed');
        await expectStored(target, name, bytes);
        expect(await listing(target)).to.deep.equal([name, other.name].sort());
      },
    },
    {
      id: 'place/case-insensitive',
      title: 'on a case-insensitive sink a name differing only in case collides (" (2)"), the first stays',
      gate: ({ capabilities }) => (capabilities.pathRules.caseInsensitive ? undefined : 'the sink is case-sensitive'),
      async run(ctx) {
        const target = await ctx.target();
        const a = sampleMessage('Report', 77);
        const b = sampleMessage('REPORT', 78);
        await place(target.sink, 'Report.eml', a);
        expect((await target.sink.stat('report.EML'))?.size, 'stat() ignores case').to.equal(a.length);
        const upper = await place(target.sink, 'REPORT.eml', b);
        expect(upper.outcome).to.equal('renamed');
        expect(upper.name.toLowerCase()).to.equal('report (2).eml');
        await expectStored(target, 'Report.eml', a);
        await expectStored(target, upper.name, b);
        expect(await listing(target)).to.have.length(2);
        if (ctx.capabilities.hashKind !== undefined) {
          const same = await place(target.sink, 'REPORT.eml', a);
          expect([same.outcome, same.name], 'same bytes under another case').to.deep.equal(['identical', 'Report.eml']);
        }
      },
    },
    {
      id: 'place/case-sensitive',
      title: 'on a case-sensitive sink names differing only in case are two files',
      gate: ({ capabilities }) => (capabilities.pathRules.caseInsensitive ? 'the sink is case-insensitive' : undefined),
      async run(ctx) {
        const target = await ctx.target();
        const a = sampleMessage('Report', 79);
        const b = sampleMessage('REPORT', 80);
        expect((await place(target.sink, 'Report.eml', a)).outcome).to.equal('created');
        expect((await place(target.sink, 'REPORT.eml', b)).outcome).to.equal('created');
        await expectStored(target, 'Report.eml', a);
        await expectStored(target, 'REPORT.eml', b);
      },
    },
    {
      id: 'place/max-length-collision',
      title: 'a collision on a name of the longest allowed length still fits the limits with " (2)"',
      async run(ctx) {
        const target = await ctx.target();
        const rules = ctx.capabilities.pathRules;
        const name = nameFor(target.sink, 'Long '.repeat(200));
        const max = Math.min(rules.maxSegmentLength, rules.maxPathLength - target.sink.folderPathLength);
        expect(nameLength(name, rules), 'the namer fills the room there is').to.equal(max);
        await place(target.sink, name, sampleMessage('Long', 81));
        const second = await place(target.sink, name, sampleMessage('Long', 82));
        expect(second.outcome).to.equal('renamed');
        expect(second.name).to.match(/ \(2\)\.eml$/);
        expect(nameProblems(second.name, rules, target.sink.folderPathLength)).to.deep.equal([]);
        expect(await listing(target)).to.deep.equal([name, second.name].sort());
      },
    },
    {
      id: 'place/concurrent-different',
      title: 'concurrent placements of one name with different contents each land under their own name',
      gate: ({ capabilities }) => (capabilities.atomicCreate ? undefined : 'the sink declares atomicCreate: false'),
      async run(ctx) {
        const target = await ctx.target();
        await target.sink.check();
        const n = ctx.options.concurrency ?? 6;
        const name = nameFor(target.sink, 'Busy');
        const contents = Array.from({ length: n }, (_, i) => sampleMessage('Busy', 90 + i));
        const results = await Promise.all(contents.map((b) => place(target.sink, name, b)));
        const names = results.map((r) => r.name);
        expect(new Set(names.map((x) => x.toLowerCase())).size, 'distinct names').to.equal(n);
        expect(results.filter((r) => r.outcome === 'created'), 'one placement kept the plain name').to.have.length(1);
        expect(await listing(target)).to.deep.equal([...names].sort());
        for (let i = 0; i < n; i++) await expectStored(target, names[i]!, contents[i]!);
      },
    },
    {
      id: 'place/concurrent-identical',
      title: 'concurrent placements of the same content end in one file (one created, the rest identical)',
      gate: ({ capabilities }) =>
        !capabilities.atomicCreate ? 'the sink declares atomicCreate: false' : capabilities.hashKind === undefined ? needHash : undefined,
      async run(ctx) {
        const target = await ctx.target();
        await target.sink.check();
        const n = ctx.options.concurrency ?? 6;
        const name = nameFor(target.sink, 'Redelivered');
        const bytes = sampleMessage('Redelivered', 99);
        const results = await Promise.all(Array.from({ length: n }, () => place(target.sink, name, bytes)));
        expect(results.map((r) => r.outcome).sort()).to.deep.equal(['created', ...Array(n - 1).fill('identical')]);
        expect(await listing(target)).to.deep.equal([name]);
        await expectStored(target, name, bytes);
      },
    },
  ],
};
