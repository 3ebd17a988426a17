import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { toOverrides } from './run-options.js';

describe('toOverrides', () => {
  it('resolves path flags against the current folder, where they were typed', () => {
    const cwd = resolve('/home/ops/work');
    const byKey = Object.fromEntries(toOverrides({ stateDir: 'state', license: '../acme.lic', tenant: 'demo', allowRoot: ['./out', '/srv/projects'] }, cwd).map((o) => [o.key, o.value]));
    expect(byKey['stateDir']).to.equal(join(cwd, 'state'));
    expect(byKey['sinks.filesystem.allowedRoots']).to.deep.equal([join(cwd, 'out'), resolve('/srv/projects')]);
    expect(byKey['license']).to.equal(resolve(cwd, '../acme.lic'));
    expect(byKey['source.tenant']).to.equal('demo');
  });

  it('keeps absolute paths and leaves flags not given unset', () => {
    const abs = resolve('/var/lib/filing-sync');
    const byKey = Object.fromEntries(toOverrides({ stateDir: abs }).map((o) => [o.key, o.value]));
    expect(byKey['stateDir']).to.equal(abs);
    expect(byKey['license']).to.equal(undefined);
    // The default is the process's current folder.
    expect(toOverrides({ stateDir: 's' }).find((o) => o.key === 'stateDir')!.value).to.equal(join(process.cwd(), 's'));
  });
});
