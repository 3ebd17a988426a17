import type { TargetAccess } from '../contracts/sink.js';
import { toFilingSyncError } from '../errors.js';

/**
 * What a failed access probe means for {@link Sink.check}: {@link PermissionDenied} is `denied`,
 * {@link TargetMissing} is `missing`. Anything else is not an answer about access, so it is thrown
 * (mapped into the taxonomy) for the engine to handle.
 * @public
 */
export function accessFromError(err: unknown): TargetAccess {
  const e = toFilingSyncError(err);
  if (e.kind === 'permission-denied') return 'denied';
  if (e.kind === 'target-missing') return 'missing';
  throw e;
}
