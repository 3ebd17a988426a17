/**
 * What a plugin's conformance test needs to call its factory outside a host: a credential broker
 * with fixed credentials and a logger that prints nothing.
 * @packageDocumentation
 */
import pino from 'pino';
import { AuthError, type Credential, type CredentialBroker, type CredentialRequest, type Logger } from '@filing-sync/core';

/** A {@link CredentialBroker} that always answers `credential`, and records what sinks asked for. */
export interface StaticCredentials extends CredentialBroker {
  /** Every request passed to `get`, in order. */
  readonly requests: CredentialRequest[];
  /** Every request passed to `invalidate`, in order. */
  readonly invalidated: CredentialRequest[];
}

/**
 * A broker that hands out one fixed credential (right or deliberately wrong), as a host's
 * provider would. Never rejects.
 * @public
 */
export function staticCredentials(credential: Credential): StaticCredentials {
  const requests: CredentialRequest[] = [];
  const invalidated: CredentialRequest[] = [];
  return {
    requests,
    invalidated,
    async get(request) {
      requests.push(request);
      return credential;
    },
    invalidate(request) {
      invalidated.push(request);
    },
  };
}

/**
 * A broker for sinks that need no credentials (local folders): any request rejects with
 * {@link AuthError}, so a sink that unexpectedly asks fails loudly.
 * @public
 */
export function noCredentials(): CredentialBroker {
  return {
    async get(request) {
      throw new AuthError(`No credentials are configured in this test (asked for resource "${request.resource}").`);
    },
    invalidate() {},
  };
}

/** A pino logger at level `silent`, for factories under test. @public */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
