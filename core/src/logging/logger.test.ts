import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { SecretRegistry } from './secret-registry.js';

/** A logger writing into `lines`, knowing `secret`. */
function capture(secret: string) {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
  const secrets = new SecretRegistry();
  secrets.add(secret);
  return { lines, log: createLogger({ destination, secrets, pretty: false }) };
}

describe('createLogger', () => {
  it('never writes a secret: not by key, not inside messages or errors', async () => {
    const { lines, log } = capture('tok-9f8e7d6c5b4a');
    log.info({ token: 'tok-9f8e7d6c5b4a', headers: { authorization: 'Bearer tok-9f8e7d6c5b4a' } }, 'calling with tok-9f8e7d6c5b4a');
    log.error({ err: new Error('401 for Bearer tok-9f8e7d6c5b4a') }, 'failed');
    log.warn('plain %s', 'tok-9f8e7d6c5b4a');
    await new Promise((r) => setImmediate(r));
    const all = lines.join('');
    expect(lines).to.have.length(3);
    expect(all).not.to.include('tok-9f8e7d6c5b4a');
    expect(all).to.include('[redacted]');
  });

  it('blanks secrets deep inside logged objects and in an error\'s cause', async () => {
    const { lines, log } = capture('tok-1a2b3c4d5e6f');
    log.warn({ request: { options: { headers: { nested: { deeper: { authorization: 'Bearer tok-1a2b3c4d5e6f' } } } } } }, 'deep');
    const quoted = capture('pa"ss\\word-xyz');
    quoted.log.warn({ a: { b: { c: { d: { e: 'password pa"ss\\word-xyz' } } } } }, 'deep and escaped');
    log.error({ err: new Error('upload failed', { cause: new Error('PUT /x?access_token=tok-1a2b3c4d5e6f refused') }) }, 'caused');
    await new Promise((r) => setImmediate(r));
    expect(lines).to.have.length(2);
    expect(lines.join('')).not.to.include('tok-1a2b3c4d5e6f');
    // What is blanked is still there to read.
    expect(lines[0]).to.include('Bearer [redacted]');
    expect(lines[1]).to.include('access_token=[redacted]');
    await new Promise((r) => setImmediate(r));
    expect(quoted.lines).to.have.length(1);
    expect(quoted.lines[0]).to.include('password [redacted]').and.not.include('word-xyz');
  });
});
