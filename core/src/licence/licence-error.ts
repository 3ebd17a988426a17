import { FilingSyncError } from '../errors.js';

/** Why a licence was refused; each has its own message and remedy. */
export type LicenceProblem = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-tenant' | 'wrong-variant';

/**
 * The licence does not allow this connector to sync for its tenant. Never retried: syncing does
 * not start until the licence file is replaced. `problem` says which check failed.
 * @public
 */
export class LicenceError extends FilingSyncError {
  readonly kind = 'config' as const;

  constructor(
    /** Which check failed. */
    readonly problem: LicenceProblem,
    message: string,
    action: string,
  ) {
    super(message, { action }, action);
  }
}
