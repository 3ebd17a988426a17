// Shared by the ProjectWise tests: the WSG double and sinks bound to test folders.
import { BufferContent, type Credential, type CredentialBroker, type CredentialRequest, type Sink } from '@filing-sync/core';
import { silentLogger } from '@filing-sync/conformance';
import { startProjectWiseDouble, trustTestCertificate, type ProjectWiseDouble, type ProjectWiseDoubleOptions } from '@filing-sync/doubles';
import type { ProjectWiseSinkConfig } from './projectwise-config.js';
import { ProjectWiseSinkFactory } from './projectwise-sink-factory.js';

export const SENT_AT = new Date('2026-11-28T14:46:13Z');
export const REPO = 'Bentley.PW--pw.example.com~3AFiling';

export function broker(credential: Credential = { type: 'basic', username: 'filer', password: 'secret' }): CredentialBroker & { invalidated: CredentialRequest[] } {
  const invalidated: CredentialRequest[] = [];
  return { invalidated, get: async () => credential, invalidate: (r) => void invalidated.push(r) };
}

export async function startDouble(options: ProjectWiseDoubleOptions = {}): Promise<ProjectWiseDouble> {
  await trustTestCertificate();
  return startProjectWiseDouble({ repository: REPO, ...options });
}

/** `projectwise://` URI of a folder path in the double's repository. */
export function targetUri(folder: string, repository = REPO): string {
  return `projectwise://pw.example.com/${encodeURIComponent(repository)}/${folder.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
}

export async function makeSink(
  double: ProjectWiseDouble,
  folder: string,
  options: { config?: Partial<ProjectWiseSinkConfig>; credentials?: CredentialBroker; factory?: ProjectWiseSinkFactory; repository?: string; instanceId?: string } = {},
): Promise<Sink> {
  const factory = options.factory ?? new ProjectWiseSinkFactory();
  return factory.create(
    new URL(targetUri(folder, options.repository)),
    { baseUrl: `${double.url}/ws`, requestTimeoutMs: 10000, ...options.config },
    { credentials: options.credentials ?? broker(), logger: silentLogger(), ...(options.instanceId ? { instanceId: options.instanceId } : {}) },
  );
}

export function content(text: string | Buffer): BufferContent {
  return new BufferContent(Buffer.isBuffer(text) ? text : Buffer.from(text));
}
