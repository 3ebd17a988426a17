import { expect } from 'chai';
import { ConfigError, PermanentError, StoreBusy } from '@filing-sync/core';
import { EXIT, reportFailure } from './report-failure.js';

/** Runs reportFailure and returns its exit code and what it wrote to stderr. */
function report(err: unknown): { code: number; stderr: string } {
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: reportFailure(err), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('reportFailure', () => {
  it('gives a busy state store its own exit code, one the service units restart on', () => {
    const { code, stderr } = report(new StoreBusy({ dir: '/var/lib/filing-sync', lockPath: '/var/lib/filing-sync/state.lock', holderPid: 4242 }));
    expect(code).to.equal(EXIT.busy);
    expect(code).to.equal(5);
    // systemd: RestartPreventExitStatus=2 4 (config, licence).
    expect([EXIT.config, EXIT.licence]).not.to.include(code);
    expect(stderr).to.include('pid 4242').and.to.include('Stop the other filing-sync process');
    expect(stderr).not.to.match(/\n\s+at /);
  });

  it('prints a config error and what to do, without a stack', () => {
    const { code, stderr } = report(new ConfigError([{ key: 'stateDir', expected: 'a folder (/x: ENOTDIR)' }]));
    expect(code).to.equal(EXIT.config);
    expect(stderr).to.include('stateDir: expected a folder (/x: ENOTDIR)').and.to.include('Fix the configuration');
    expect(stderr).not.to.match(/\n\s+at /);
    expect(report(new PermanentError('no')).code).to.equal(EXIT.failed);
  });

  it('prints a failed system call without a stack, and an unexpected error with one', () => {
    const sys = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/srv/file/logs'"), { code: 'ENOTDIR', syscall: 'mkdir', path: '/srv/file/logs' });
    let { code, stderr } = report(sys);
    expect(code).to.equal(EXIT.failed);
    expect(stderr).to.include("ENOTDIR: not a directory, mkdir '/srv/file/logs'");
    expect(stderr).not.to.match(/\n\s+at /);
    ({ code, stderr } = report(new TypeError('x is undefined')));
    expect(code).to.equal(EXIT.failed);
    expect(stderr).to.match(/TypeError: x is undefined\n\s+at /);
  });
});
