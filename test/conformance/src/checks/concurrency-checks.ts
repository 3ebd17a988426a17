import { expect } from 'chai';
import { BufferContent } from '@filing-sync/core';
import type { CheckGroup } from '../check.js';
import { sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing } from './fixtures.js';

/** Several writers in one folder at once. */
export const concurrencyChecks: CheckGroup = {
  title: 'concurrent writes',
  checks: [
    {
      id: 'concurrency/distinct-names',
      title: 'concurrent creates of different names into one new folder all land whole',
      async run(ctx) {
        const target = await ctx.target({ depth: 2 });
        const n = ctx.options.concurrency ?? 6;
        const files = Array.from({ length: n }, (_, i) => ({ name: `Parallel ${i}.eml`, bytes: sampleMessage(`Parallel ${i}`, 50 + i) }));
        const results = await Promise.all(files.map((f) => target.sink.create(f.name, new BufferContent(f.bytes), { modifiedAt: SENT_AT })));
        expect(results.map((r) => r.created)).to.deep.equal(files.map(() => true));
        expect(await listing(target)).to.deep.equal(files.map((f) => f.name).sort());
        for (const f of files) await expectStored(target, f.name, f.bytes);
      },
    },
    {
      id: 'concurrency/same-name-one-winner',
      title: 'concurrent creates of one name: exactly one is created, the stored bytes are the winner\'s',
      gate: ({ capabilities }) => (capabilities.atomicCreate ? undefined : 'the sink declares atomicCreate: false'),
      async run(ctx) {
        const target = await ctx.target();
        await target.sink.check();
        const n = ctx.options.concurrency ?? 6;
        const contents = Array.from({ length: n }, (_, i) => sampleMessage(`Racer ${i}`, 60 + i));
        const results = await Promise.all(contents.map((b) => target.sink.create('Race.eml', new BufferContent(b), { modifiedAt: SENT_AT })));
        const winners = results.flatMap((r, i) => (r.created ? [i] : []));
        expect(winners, 'writers that created the file').to.have.length(1);
        await expectStored(target, 'Race.eml', contents[winners[0]!]!);
        expect(await listing(target)).to.deep.equal(['Race.eml']);
      },
    },
  ],
};
