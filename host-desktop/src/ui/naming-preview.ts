import { ConfigError, NameTemplate, WINDOWS_PATH_RULES, makeFileName, type ConfigIssue, type NamingInput } from '@filing-sync/core';

/** The sample message the settings page previews names on. @public */
export const SAMPLE_MESSAGE: NamingInput & { subject: string } = {
  sentAt: new Date('2026-11-28T14:46:13Z'),
  filedAt: new Date('2026-11-28T15:02:40Z'),
  subject: 'RE: Site visit notes: level 3 / east wing?',
  from: { name: 'Ana Ruiz', address: 'ana.ruiz@example.com' },
  messageId: '<site-visit-0042@mail.example.com>',
  location: 'Surrey Court',
};

/** A preview: the file name, or the problem with the template (keyed like the config). @public */
export type NamingPreview = { name: string } | { issue: ConfigIssue };

/**
 * The name the core's namer gives the sample message with `template` and `extension`, made safe by
 * the Windows rules (the strictest target), in a folder of typical depth. Never throws.
 * @public
 */
export function previewName(template: string, extension: string): NamingPreview {
  let parsed: NameTemplate;
  try {
    parsed = NameTemplate.parse(template, 'naming.template');
  } catch (err) {
    if (err instanceof ConfigError) return { issue: err.issues[0] ?? { key: 'naming.template', expected: err.message } };
    throw err;
  }
  const folder = 'C:\\Users\\ana\\OneDrive\\Projects\\Surrey Court\\email\\';
  return { name: makeFileName(SAMPLE_MESSAGE, { template: parsed, extension, rules: WINDOWS_PATH_RULES, folderPathLength: folder.length }) };
}
