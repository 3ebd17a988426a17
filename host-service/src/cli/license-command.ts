import { resolve } from 'node:path';
import { checkLicence, configBaseDir, type VerifiedLicence } from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { readConfigKeys } from './config-keys.js';
import { EXIT, reportFailure } from './report-failure.js';
import { toOverrides, type RunOptions } from './run-options.js';

/**
 * `filing-sync license verify [FILE]`: checks a licence offline exactly as `run` does at start and
 * prints what it allows. The tenant is compared with `--tenant` or the config's `source.tenant`
 * when either is given. Exits 4 with the reason and what to do when the licence is refused. Needs
 * none of the service's secrets: only `license` and `source.tenant` of the config are resolved.
 */
export async function licenseVerifyCommand(file: string | undefined, options: RunOptions): Promise<void> {
  try {
    const host = serviceHost();
    const config = readConfigKeys(options.config, toOverrides(options), ['license', 'source.tenant']);
    const tenant = (config['source'] as { tenant?: unknown } | undefined)?.tenant;
    const configured = file ? resolve(file) : typeof config['license'] === 'string' ? config['license'] : undefined;
    const licence = checkLicence(
      { configured, baseDir: configBaseDir(options.config), installDir: host.installDir },
      { tenant: typeof tenant === 'string' ? tenant : undefined, anyTenant: typeof tenant !== 'string', variant: host.variant },
    );
    process.stdout.write(describeLicence(licence, typeof tenant === 'string'));
    process.exitCode = EXIT.ok;
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}

/** The lines `license verify` prints for a valid licence. */
export function describeLicence(l: VerifiedLicence, tenantChecked: boolean): string {
  const p = l.payload;
  return [
    `Licence ${l.path}: valid`,
    `  licensee:  ${p.licensee}`,
    `  tenant:    ${p.tenant}${tenantChecked ? ' (matches source.tenant)' : ' (not compared: give --tenant or --config)'}`,
    `  variant:   ${p.variant}`,
    `  expires:   ${p.expiresAt} (${l.daysLeft} day(s) left)`,
    `  locations: up to ${p.maxLocations}`,
    `  issued:    ${p.issuedAt}`,
    `  key:       ${l.key.keyId}${l.key.development ? ' (the published DEVELOPMENT key: not a release build)' : ''}`,
    '',
  ].join('\n');
}
