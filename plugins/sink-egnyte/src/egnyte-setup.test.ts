// Shared by the Egnyte tests: the double, a factory and sinks bound to test folders.
import { BufferContent, type Credential, type CredentialBroker, type CredentialRequest, type Sink } from '@filing-sync/core';
import { silentLogger } from '@filing-sync/conformance';
import { startEgnyteDouble, trustTestCertificate, type EgnyteDouble, type EgnyteDoubleOptions } from '@filing-sync/doubles';
import type { EgnyteSinkConfig } from './egnyte-config.js';
import { EgnyteSinkFactory } from './egnyte-sink-factory.js';

export const TOKEN = 'egnyte-test-token';
export const SENT_AT = new Date('2026-11-28T14:46:13Z');

/** A broker over a fixed token that counts invalidations (what a host's provider would see). */
export function tokenBroker(token = TOKEN): CredentialBroker & { invalidated: CredentialRequest[]; asked: CredentialRequest[] } {
  const invalidated: CredentialRequest[] = [];
  const asked: CredentialRequest[] = [];
  return {
    invalidated,
    asked,
    async get(request): Promise<Credential> {
      asked.push(request);
      return { type: 'bearer', accessToken: token };
    },
    invalidate(request) {
      invalidated.push(request);
    },
  };
}

export async function startDouble(options: EgnyteDoubleOptions = {}): Promise<EgnyteDouble> {
  await trustTestCertificate();
  return startEgnyteDouble({ tokens: [TOKEN], ...options });
}

/** Config pointing the sink at the double, fast enough for tests. */
export function testConfig(double: EgnyteDouble, extra: Partial<EgnyteSinkConfig> = {}): EgnyteSinkConfig {
  return { baseUrl: double.url, callsPerSecond: 50, requestTimeoutMs: 10000, ...extra };
}

export async function makeSink(
  double: EgnyteDouble,
  target: string,
  options: { config?: Partial<EgnyteSinkConfig>; credentials?: CredentialBroker; factory?: EgnyteSinkFactory } = {},
): Promise<Sink> {
  const factory = options.factory ?? new EgnyteSinkFactory();
  return factory.create(new URL(target), testConfig(double, options.config), {
    credentials: options.credentials ?? tokenBroker(),
    logger: silentLogger(),
  });
}

export function content(text: string | Buffer): BufferContent {
  return new BufferContent(Buffer.isBuffer(text) ? text : Buffer.from(text));
}
