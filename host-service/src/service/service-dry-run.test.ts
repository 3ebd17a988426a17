import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { parse as parsePlist } from 'plist';
import { ConfigError } from '@filing-sync/core';
import { dryRun, type ServiceOptions } from './service-command.js';
import { executeSteps, type ServiceAction } from './service-plan.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Runs `filing-sync service …` in a child process and returns its exit code and output. */
function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'service', ...args], { encoding: 'utf8', env: { ...process.env, FILING_SYNC_SERVICE_PASSWORD: 'Pa55-word!' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * The dry run of `filing-sync service <action> <flags>` in this process (the same function the
 * command prints), with the command's defaults; the flags are read as the command reads them.
 */
function service(action: ServiceAction, ...args: string[]): { code: number; out: string; err: string } {
  const o: ServiceOptions = { name: 'filing-sync', passwordEnv: 'FILING_SYNC_SERVICE_PASSWORD', allowWrite: [] };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--dry-run') continue;
    const key = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof ServiceOptions;
    const value = args[++i]!;
    if (key === 'allowWrite') o.allowWrite.push(value);
    else (o as unknown as Record<string, string>)[key] = value;
  }
  try {
    return { code: 0, out: dryRun(action, o), err: '' };
  } catch (err) {
    return { code: reportFailureCode(err), out: '', err: (err as Error).message };
  }
}

function reportFailureCode(err: unknown): number {
  return err instanceof ConfigError ? 2 : 1;
}

/** The content of the file a dry run would write at `path`. */
function fileIn(out: string, path: string): string {
  const start = out.indexOf(`--- write ${path}`);
  expect(start, `a write of ${path} in:\n${out}`).to.be.greaterThan(-1);
  const body = out.slice(out.indexOf('\n', start) + 1);
  return body.slice(0, body.indexOf('\n--- end'));
}

/** The commands (lines starting with `$ `), in order. */
function commands(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
}

describe('filing-sync service --dry-run', () => {
  describe('Windows (WinSW + sc.exe; rendered here, never run)', () => {
    const base = ['--dry-run', '--platform', 'windows', '--install-dir', 'C:\\Program Files\\filing-sync', '--node', 'C:\\Program Files\\nodejs\\node.exe'];

    it('install: a WinSW definition with automatic start, restart on every failure, config and licence from the install folder', () => {
      const r = cli('install', ...base, '--account', 'ACME\\svc-filing');
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.match(/^# filing-sync service install on windows \(dry run: nothing is changed\)/);
      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(fileIn(r.out, 'C:\\Program Files\\filing-sync\\filing-sync-service.xml')) as { service: Record<string, unknown> };
      const s = xml.service;
      expect(s['id']).to.equal('filing-sync');
      expect(s['executable']).to.equal('C:\\Program Files\\nodejs\\node.exe');
      expect(s['arguments']).to.equal(
        '"C:\\Program Files\\filing-sync\\node_modules\\@filing-sync\\host-service\\dist\\cli\\main.js" run ' +
          '--config "C:\\Program Files\\filing-sync\\filing-sync.yaml" --license "C:\\Program Files\\filing-sync\\Sync-license.lic" ' +
          '--state-dir C:\\ProgramData\\filing-sync',
      );
      expect(s['workingdirectory']).to.equal('C:\\Program Files\\filing-sync');
      expect(s['startmode']).to.equal('Automatic');
      expect(s['onfailure']).to.deep.equal([1, 2, 3].map(() => ({ action: 'restart', delay: '10 sec' })));
      expect(s['stoptimeout']).to.equal('30 sec');
      expect(s['depend']).to.equal('LanmanWorkstation');
      // No account or password in the file.
      expect(fileIn(r.out, 'C:\\Program Files\\filing-sync\\filing-sync-service.xml')).not.to.match(/svc-filing|password|Pa55/i);
      expect(commands(r.out)).to.deep.equal([
        'icacls.exe C:\\ProgramData\\filing-sync /grant ACME\\svc-filing:(OI)(CI)M',
        '"C:\\Program Files\\filing-sync\\filing-sync-service.exe" install',
        'sc.exe config filing-sync start= delayed-auto obj= ACME\\svc-filing password= ********',
        'sc.exe failure filing-sync reset= 86400 actions= restart/10000/restart/10000/restart/10000',
        'sc.exe failureflag filing-sync 1',
      ]);
      expect(r.out).not.to.include('Pa55-word!');
      expect(r.out).to.match(/# note: .*Log on as a service/);
    });

    it('install refuses to run as LocalSystem: a domain account is needed for network shares (through the CLI)', () => {
      const r = cli('install', ...base);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/--account: expected the domain user/).and.match(/FILING_SYNC_SERVICE_PASSWORD/);
    });

    it('start, stop, status and uninstall are sc.exe / WinSW commands', () => {
      expect(commands(service('start', ...base).out)).to.deep.equal(['sc.exe start filing-sync']);
      expect(commands(service('stop', ...base).out)).to.deep.equal(['sc.exe stop filing-sync']);
      expect(commands(service('status', ...base).out)).to.deep.equal(['sc.exe query filing-sync']);
      const u = service('uninstall', ...base).out;
      expect(commands(u)).to.deep.equal(['sc.exe stop filing-sync    (a failure is ignored)', '"C:\\Program Files\\filing-sync\\filing-sync-service.exe" uninstall']);
    });
  });

  describe('Linux (systemd)', () => {
    const base = ['--dry-run', '--platform', 'linux', '--install-dir', '/opt/filing-sync', '--node', '/usr/bin/node', '--cli', '/opt/filing-sync/cli/main.js'];

    it('install: a hardened unit restarted on failure under a dedicated user, and the commands around it', () => {
      const r = service('install', ...base, '--allow-write', '/srv/projects', '--allow-write', '/mnt/fs01 share');
      expect(r.code, r.err).to.equal(0);
      const unit = fileIn(r.out, '/etc/systemd/system/filing-sync.service (mode 644)');
      const lines = unit.split('\n');
      for (const want of [
        'User=filing-sync', 'WorkingDirectory=/opt/filing-sync',
        'ExecStart=/usr/bin/node /opt/filing-sync/cli/main.js run --config /opt/filing-sync/filing-sync.yaml --license /opt/filing-sync/Sync-license.lic --state-dir /var/lib/filing-sync',
        'StateDirectory=filing-sync', 'Restart=on-failure', 'RestartPreventExitStatus=2 4', 'KillSignal=SIGTERM',
        'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=',
        'ReadWritePaths=/srv/projects "/mnt/fs01 share"', 'WantedBy=multi-user.target',
      ]) expect(lines, want).to.include(want);
      // The user's primary group, whatever its name.
      expect(lines.filter((l) => l.startsWith('Group='))).to.deep.equal([]);
      expect(commands(r.out)).to.deep.equal([
        'useradd --system --user-group --no-create-home --home-dir /var/lib/filing-sync --shell /usr/sbin/nologin filing-sync    (skipped when `id -u filing-sync` succeeds)',
        'chown root:$(id -gn filing-sync) /opt/filing-sync/filing-sync.yaml /opt/filing-sync/Sync-license.lic',
        'chmod 0640 /opt/filing-sync/filing-sync.yaml /opt/filing-sync/Sync-license.lic',
        'systemctl daemon-reload',
        'systemctl enable filing-sync.service',
      ]);
      // No config to read yet: the defaults are passed, and the note says they win over the config.
      expect(r.out).to.include(
        '# note: /opt/filing-sync/filing-sync.yaml cannot be read here (no such file): the service is given --license /opt/filing-sync/Sync-license.lic ' +
          'and --state-dir /var/lib/filing-sync, which take precedence over the config\'s license and stateDir.\n',
      );
    });

    describe('with the config in the install folder', () => {
      let dir: string;
      const unitOf = (out: string) => fileIn(out, '/etc/systemd/system/filing-sync.service (mode 644)').split('\n');
      const execStart = (out: string) => unitOf(out).find((l) => l.startsWith('ExecStart='));
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'filing-sync-install-'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));
      const withConfig = (text: string) => {
        writeFileSync(join(dir, 'filing-sync.yaml'), text);
        return ['--dry-run', '--platform', 'linux', '--install-dir', dir, '--node', '/usr/bin/node', '--cli', '/opt/filing-sync/cli/main.js'];
      };

      it('leaves stateDir and license that the config sets to the config, and makes that licence readable for the service', () => {
        const args = withConfig('source: {url: "https://filing.example.com", tenant: t1, token: "${env:FS_TOKEN}"}\nstateDir: ./state\nlicense: /etc/filing-sync/Sync-license.lic\n');
        // Through the CLI: its options carry no defaults that would count as given.
        const r = cli('install', ...args);
        expect(r.code, r.err).to.equal(0);
        // The same store that `status --config` and `doctor --config` read.
        expect(execStart(r.out)).to.equal(`ExecStart=/usr/bin/node /opt/filing-sync/cli/main.js run --config ${dir}/filing-sync.yaml`);
        const unit = unitOf(r.out);
        expect(unit).to.include(`ReadWritePaths=${dir}/state`);
        expect(unit.filter((l) => l.startsWith('StateDirectory='))).to.deep.equal([]);
        expect(commands(r.out)).to.deep.equal([
          `useradd --system --user-group --no-create-home --home-dir ${dir}/state --shell /usr/sbin/nologin filing-sync    (skipped when \`id -u filing-sync\` succeeds)`,
          `chown root:$(id -gn filing-sync) ${dir}/filing-sync.yaml /etc/filing-sync/Sync-license.lic`,
          `chmod 0640 ${dir}/filing-sync.yaml /etc/filing-sync/Sync-license.lic`,
          // Outside /var/lib systemd does not make the state folder: install does, for the account.
          `chown -R filing-sync: ${dir}/state`,
          'systemctl daemon-reload',
          'systemctl enable filing-sync.service',
        ]);
        expect(r.out).to.include(`--- create folder ${dir}/state\n`);
        expect(r.out).not.to.match(/take precedence/);
      });

      it('passes --license and --state-dir given to install (they win over the config), and passes the defaults the config lacks', () => {
        const args = withConfig('stateDir: ./state\nlicense: /etc/filing-sync/Sync-license.lic\n');
        const given = service('install', ...args, '--license', 'other.lic', '--state-dir', '/srv/fs-state');
        expect(execStart(given.out)).to.equal(`ExecStart=/usr/bin/node /opt/filing-sync/cli/main.js run --config ${dir}/filing-sync.yaml --license ${dir}/other.lic --state-dir /srv/fs-state`);
        expect(commands(given.out)[1]).to.equal(`chown root:$(id -gn filing-sync) ${dir}/filing-sync.yaml ${dir}/other.lic`);

        const bare = service('install', ...withConfig('source: {tenant: t1}\n'));
        expect(execStart(bare.out)).to.equal(
          `ExecStart=/usr/bin/node /opt/filing-sync/cli/main.js run --config ${dir}/filing-sync.yaml --license ${dir}/Sync-license.lic --state-dir /var/lib/filing-sync`,
        );
        expect(unitOf(bare.out)).to.include('StateDirectory=filing-sync');
        expect(bare.out).not.to.match(/take precedence/);
      });

      it('a licence named by a reference is left to the service, with a note; a state folder named by one must be given', () => {
        const r = service('install', ...withConfig('license: "${env:FS_LICENCE}"\n'));
        expect(r.code, r.err).to.equal(0);
        expect(execStart(r.out)).to.equal(`ExecStart=/usr/bin/node /opt/filing-sync/cli/main.js run --config ${dir}/filing-sync.yaml --state-dir /var/lib/filing-sync`);
        expect(commands(r.out)[1]).to.equal(`chown root:$(id -gn filing-sync) ${dir}/filing-sync.yaml`);
        expect(r.out).to.match(/# note: The config names the licence with \$\{env:FS_LICENCE\}, resolved only when the service runs: make that file readable by the service account\./);

        const viaCli = cli('install', ...withConfig('stateDir: "${env:FS_STATE}"\n'));
        expect(viaCli.code).to.equal(2);
        expect(viaCli.err).to.match(/stateDir: expected a folder path in .*filing-sync\.yaml/).and.match(/Give the state folder with --state-dir DIR/);
      });

      it('macOS: the launch daemon runs on the config\'s state folder too', () => {
        writeFileSync(join(dir, 'filing-sync.yaml'), `stateDir: ${dir}/macstate\nlicense: Sync-license.lic\n`);
        const r = service('install', '--dry-run', '--platform', 'macos', '--install-dir', dir, '--node', '/usr/local/bin/node', '--cli', '/opt/fs/main.js', '--account', '_filingsync');
        expect(r.code, r.err).to.equal(0);
        const plist = parsePlist(fileIn(r.out, '/Library/LaunchDaemons/org.filing-sync.filing-sync.plist (mode 644)')) as Record<string, unknown>;
        expect(plist['ProgramArguments']).to.deep.equal(['/usr/local/bin/node', '/opt/fs/main.js', 'run', '--config', `${dir}/filing-sync.yaml`]);
        expect(commands(r.out)[0]).to.equal(`chown -R _filingsync ${dir}/macstate`);
      });
    });

    it('an existing account runs in its own primary group (nobody is in nogroup), looked up when the step runs', () => {
      const r = service('install', ...base, '--account', 'nobody');
      expect(r.code, r.err).to.equal(0);
      const unit = fileIn(r.out, '/etc/systemd/system/filing-sync.service (mode 644)').split('\n');
      expect(unit).to.include('User=nobody');
      expect(unit.filter((l) => l.startsWith('Group='))).to.deep.equal([]);
      expect(commands(r.out)[1]).to.equal('chown root:$(id -gn nobody) /opt/filing-sync/filing-sync.yaml /opt/filing-sync/Sync-license.lic');

      // Carried out, the lookup gives the real group (an argument of a harmless command here).
      const dir = mkdtempSync(join(tmpdir(), 'filing-sync-group-'));
      try {
        const out = join(dir, 'arg');
        executeSteps([{ kind: 'run', argv: [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], process.argv[2])', out, { prefix: 'root:', primaryGroupOf: 'nobody' }] }]);
        const group = spawnSync('id', ['-gn', 'nobody'], { encoding: 'utf8' }).stdout.trim();
        expect(group).not.to.equal('nobody');
        expect(readFileSync(out, 'utf8')).to.equal(`root:${group}`);
        expect(() => executeSteps([{ kind: 'run', argv: ['true', { prefix: 'root:', primaryGroupOf: 'no-such-user-fs' }] }])).to.throw(ConfigError, /--account: expected an existing account/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a target under /home leaves home read-only rather than hidden, and writable only where listed', () => {
      const unit = fileIn(service('install', ...base, '--allow-write', '/home/projects').out, '/etc/systemd/system/filing-sync.service (mode 644)');
      expect(unit.split('\n')).to.include.members(['ProtectHome=read-only', 'ReadWritePaths=/home/projects']);
    });

    it('start, stop, status and uninstall are systemctl commands', () => {
      expect(commands(service('start', ...base).out)).to.deep.equal(['systemctl start filing-sync.service']);
      expect(commands(service('stop', ...base).out)).to.deep.equal(['systemctl stop filing-sync.service']);
      expect(commands(service('status', ...base).out)).to.deep.equal(['systemctl status --no-pager filing-sync.service']);
      const u = service('uninstall', ...base).out;
      expect(commands(u)).to.deep.equal(['systemctl disable --now filing-sync.service    (a failure is ignored)', 'systemctl daemon-reload']);
      expect(u).to.include('--- remove /etc/systemd/system/filing-sync.service');
    });
  });

  describe('macOS (launchd)', () => {
    const base = ['--dry-run', '--platform', 'macos', '--install-dir', '/Applications/filing sync', '--node', '/usr/local/bin/node', '--cli', '/Applications/filing sync/main.js'];

    it('install: a launch daemon started at boot and kept alive after failures, run as the given user', () => {
      const r = service('install', ...base, '--account', '_filingsync');
      expect(r.code, r.err).to.equal(0);
      const plist = parsePlist(fileIn(r.out, '/Library/LaunchDaemons/org.filing-sync.filing-sync.plist (mode 644)')) as Record<string, unknown>;
      expect(plist['Label']).to.equal('org.filing-sync.filing-sync');
      expect(plist['ProgramArguments']).to.deep.equal([
        '/usr/local/bin/node', '/Applications/filing sync/main.js', 'run', '--config', '/Applications/filing sync/filing-sync.yaml',
        '--license', '/Applications/filing sync/Sync-license.lic', '--state-dir', '/Library/Application Support/filing-sync',
      ]);
      expect(plist['UserName']).to.equal('_filingsync');
      expect(plist['RunAtLoad']).to.equal(true);
      expect(plist['KeepAlive']).to.deep.equal({ SuccessfulExit: false });
      expect(plist['WorkingDirectory']).to.equal('/Applications/filing sync');
      expect(commands(r.out)).to.deep.equal([
        'chown -R _filingsync "/Library/Application Support/filing-sync"',
        'chown root:wheel /Library/LaunchDaemons/org.filing-sync.filing-sync.plist',
        'launchctl bootstrap system /Library/LaunchDaemons/org.filing-sync.filing-sync.plist',
        'launchctl enable system/org.filing-sync.filing-sync',
      ]);
    });

    it('stop sends SIGTERM (a graceful stop that launchd does not restart)', () => {
      expect(commands(service('stop', ...base).out)).to.deep.equal(['launchctl kill SIGTERM system/org.filing-sync.filing-sync']);
    });
  });

  it('changes nothing for another platform without --dry-run, and says why', () => {
    const r = cli('status', '--platform', 'windows', '--install-dir', 'C:\\fs');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--platform: expected linux \(this machine\) unless --dry-run is given/);
  });
});
