import { expect } from 'chai';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openLogFiles } from './logger.js';
import { SecretRegistry } from './secret-registry.js';

describe('logger files', () => {
  it('writes rotating files: a new file past maxSize, at most keep older ones, secrets blanked', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'filing-sync-logs-')), 'logs');
    const secrets = new SecretRegistry();
    secrets.add('s3cret-value-123');
    const logger = createLogger({ level: 'info', files: await openLogFiles({ dir, maxSize: '1k', keep: 2 }), stdout: false, secrets });
    // Lines spread over event-loop turns, as a running connector writes them (a file is rotated
    // once a write has drained past maxSize).
    for (let i = 0; i < 50; i++) {
      logger.info({ i, padding: 'x'.repeat(60) }, `line ${i} with s3cret-value-123`);
      await new Promise((r) => setTimeout(r, 15));
    }
    // Lines are written synchronously: every one is on disk already. The oldest file is removed in the background
    // after a rotation: give that a moment on a slow disk.
    const list = async () => (await readdir(dir)).filter((f) => f.endsWith('.log')).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    let files = await list();
    for (const end = Date.now() + 5_000; files.length > 3 && Date.now() < end; files = await list()) await new Promise((r) => setTimeout(r, 50));
    // Rotated at least once; never more than the current file and `keep` older ones.
    expect(files.length, files.join(', ')).to.be.within(2, 3);
    for (const f of files) expect(f).to.match(/^filing-sync\.\d+\.log$/);
    const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
    expect(text).to.include('"msg":"line 49 with [redacted]"');
    expect(text).not.to.include('s3cret-value-123');
  });
});
