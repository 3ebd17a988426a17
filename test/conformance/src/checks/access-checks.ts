import { expect } from 'chai';
import { BufferContent } from '@filing-sync/core';
import type { CheckGroup } from '../check.js';
import { expectTaxonomyError } from '../expect-error.js';
import { sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing } from './fixtures.js';

const noReadOnly = 'no makeReadOnly hook was given';
const noMissing = 'no missingTarget hook was given';
const noBadCredentials = 'no invalidCredentials hook was given';

/** Permission denied, missing targets and refused credentials. */
export const accessChecks: CheckGroup = {
  title: 'access errors',
  checks: [
    {
      id: 'access/denied-check',
      title: 'check() says denied for a read-only target',
      gate: ({ options }) => (options.makeReadOnly ? undefined : noReadOnly),
      async run(ctx) {
        const target = await ctx.target();
        await target.sink.create('Before.eml', new BufferContent(sampleMessage('Before', 30)), { modifiedAt: SENT_AT });
        await ctx.options.makeReadOnly!(target);
        expect(await target.sink.check()).to.equal('denied');
      },
    },
    {
      id: 'access/denied-create',
      title: 'create() in a read-only target rejects with PermissionDenied and writes nothing',
      gate: ({ options }) => (options.makeReadOnly ? undefined : noReadOnly),
      async run(ctx) {
        const target = await ctx.target();
        const before = sampleMessage('Before', 31);
        await target.sink.create('Before.eml', new BufferContent(before), { modifiedAt: SENT_AT });
        await ctx.options.makeReadOnly!(target);
        await expectTaxonomyError(
          target.sink.create('Denied.eml', new BufferContent(sampleMessage('Denied', 32)), { modifiedAt: SENT_AT }),
          'permission-denied',
          'create() in a read-only folder',
        );
        expect(await listing(target)).to.deep.equal(['Before.eml']);
        await expectStored(target, 'Before.eml', before);
      },
    },
    {
      id: 'access/denied-stat',
      title: 'stat() still reads a read-only target (identical files are found there)',
      gate: ({ options }) => (options.makeReadOnly ? undefined : noReadOnly),
      async run(ctx) {
        const target = await ctx.target();
        const bytes = sampleMessage('Readable', 33);
        await target.sink.create('Readable.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        await ctx.options.makeReadOnly!(target);
        expect((await target.sink.stat('Readable.eml'))?.size).to.equal(bytes.length);
        expect(await target.sink.stat('Absent.eml')).to.equal(undefined);
      },
    },
    {
      id: 'access/missing-check',
      title: 'check() on a target whose root is missing says missing (or writable when configured to create it)',
      gate: ({ options }) => (options.missingTarget ? undefined : noMissing),
      async run(ctx) {
        const target = ctx.track(await ctx.options.missingTarget!({ depth: 1, label: ctx.label() }));
        const expected = ctx.options.missingTargetBehaviour === 'create' ? 'writable' : 'missing';
        expect(await target.sink.check()).to.equal(expected);
      },
    },
    {
      id: 'access/missing-create',
      title: 'create() under a missing root rejects with TargetMissing (or creates it when configured)',
      gate: ({ options }) => (options.missingTarget ? undefined : noMissing),
      async run(ctx) {
        const target = ctx.track(await ctx.options.missingTarget!({ depth: 1, label: ctx.label() }));
        const bytes = sampleMessage('Missing', 36);
        const write = target.sink.create('Missing.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        if (ctx.options.missingTargetBehaviour === 'create') {
          expect((await write).created).to.equal(true);
          await expectStored(target, 'Missing.eml', bytes);
        } else {
          await expectTaxonomyError(write, 'target-missing', 'create() under a missing root');
          expect(await target.list()).to.deep.equal([]);
        }
      },
    },
    {
      id: 'access/auth-check',
      title: 'check() with refused credentials rejects with AuthError',
      gate: ({ options }) => (options.invalidCredentials ? undefined : noBadCredentials),
      async run(ctx) {
        const target = ctx.track(await ctx.options.invalidCredentials!({ depth: 1, label: ctx.label() }));
        await expectTaxonomyError(target.sink.check(), 'auth', 'check() with refused credentials');
      },
    },
    {
      id: 'access/auth-create',
      title: 'create() with refused credentials rejects with AuthError and writes nothing',
      gate: ({ options }) => (options.invalidCredentials ? undefined : noBadCredentials),
      async run(ctx) {
        const target = ctx.track(await ctx.options.invalidCredentials!({ depth: 1, label: ctx.label() }));
        await expectTaxonomyError(
          target.sink.create('Auth.eml', new BufferContent(sampleMessage('Auth', 37)), { modifiedAt: SENT_AT }),
          'auth',
          'create() with refused credentials',
        );
        expect(await target.list()).to.deep.equal([]);
      },
    },
  ],
};
