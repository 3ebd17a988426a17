import { expect } from 'chai';
import { BufferContent, placeFile } from '@filing-sync/core';
import type { CheckGroup, ConformanceCheck } from '../check.js';
import { HOSTILE_SUBJECTS } from '../hostile-subjects.js';
import { nameLength, nameProblems } from '../legal-name.js';
import { sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing } from './fixtures.js';
import { SUBJECT_ONLY, nameFor } from './naming.js';

const hostile: ConformanceCheck[] = HOSTILE_SUBJECTS.map((h, i) => ({
  id: `names/hostile/${h.id}`,
  title: `${h.why}: ${JSON.stringify(h.subject.length > 40 ? `${h.subject.slice(0, 37)}...` : h.subject)} gives a legal name that round-trips`,
  async run(ctx) {
    const target = await ctx.target();
    const rules = ctx.capabilities.pathRules;
    // The subject alone (the harshest template), and the default template with the sent time.
    const names = [nameFor(target.sink, h.subject, SUBJECT_ONLY), nameFor(target.sink, h.subject)];
    for (const [j, name] of names.entries()) {
      expect(nameProblems(name, rules, target.sink.folderPathLength), `problems of ${JSON.stringify(name)}`).to.deep.equal([]);
      expect(name.endsWith('.eml'), `${JSON.stringify(name)} keeps its extension`).to.equal(true);
      const bytes = sampleMessage(h.subject, 200 + i * 2 + j);
      const result = await placeFile(target.sink, name, new BufferContent(bytes), { modifiedAt: SENT_AT });
      expect(result.outcome, `placing ${JSON.stringify(name)}`).to.equal('created');
      expect(result.name).to.equal(name);
      expect((await target.sink.stat(name))?.size, `stat(${JSON.stringify(name)})`).to.equal(bytes.length);
      await expectStored(target, name, bytes);
    }
    expect(await listing(target), 'the folder holds exactly these names, spelled as placed').to.deep.equal([...names].sort());
  },
}));

/** Hostile subjects through the core's namer and placeFile, and the length limits. */
export const nameChecks: CheckGroup = {
  title: 'names',
  checks: [
    ...hostile,
    {
      id: 'names/long-subject-deep-path',
      title: 'a 300-character subject in a deep folder is cut to fit segment and path limits, extension kept',
      async run(ctx) {
        const target = await ctx.target({ depth: 3 });
        const rules = ctx.capabilities.pathRules;
        const name = nameFor(target.sink, 'Very long subject '.repeat(17));
        expect(nameProblems(name, rules, target.sink.folderPathLength)).to.deep.equal([]);
        expect(nameLength(name, rules)).to.be.at.most(rules.maxSegmentLength);
        expect(name).to.match(/^20261128T144613Z Very long subject .*\.eml$/);
        const bytes = sampleMessage('Long', 300);
        expect((await placeFile(target.sink, name, new BufferContent(bytes), { modifiedAt: SENT_AT })).outcome).to.equal('created');
        await expectStored(target, name, bytes);
      },
    },
    {
      id: 'names/distinct-hostile-names',
      title: 'all hostile subjects in one folder give distinct files, none lost',
      async run(ctx) {
        const target = await ctx.target();
        const placed: Array<{ name: string; bytes: Buffer }> = [];
        for (const [i, h] of HOSTILE_SUBJECTS.entries()) {
          const bytes = sampleMessage(h.subject, 400 + i);
          const result = await placeFile(target.sink, nameFor(target.sink, h.subject, SUBJECT_ONLY), new BufferContent(bytes), { modifiedAt: SENT_AT });
          placed.push({ name: result.name, bytes });
        }
        expect(await listing(target)).to.deep.equal(placed.map((p) => p.name).sort());
        for (const p of placed) await expectStored(target, p.name, p.bytes);
      },
    },
  ],
};
