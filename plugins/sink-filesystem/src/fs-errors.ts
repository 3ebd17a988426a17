/**
 * Maps Node filesystem errors into the filing-sync error taxonomy.
 * @packageDocumentation
 */
import { FilingSyncError, PermanentError, PermissionDenied, TargetMissing, TransientError, toFilingSyncError } from '@filing-sync/core';

/**
 * The taxonomy error for a failed filesystem call on `where` (a path shown to the user):
 * EACCES/EPERM/EROFS → {@link PermissionDenied}; ENOSPC/EDQUOT → {@link TransientError} (space may
 * come back; the filing stays pending); EBUSY/ETXTBSY/EAGAIN/EMFILE/ENFILE and network-share
 * failures, including Windows errors Node cannot name (`UNKNOWN`, e.g. a share whose server is down) →
 * {@link TransientError}; ENOENT/ENOTDIR (a missing drive, share or parent) →
 * {@link TargetMissing}; ENAMETOOLONG/EINVAL/EISDIR → {@link PermanentError}. Taxonomy errors pass
 * through.
 * @public
 */
export function mapFsError(err: unknown, where: string): FilingSyncError {
  if (err instanceof FilingSyncError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const detail = `${e?.message ?? String(err)}`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PermissionDenied(`No permission to write to ${where} (${code}).`, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new TransientError(`No space left for ${where} (${code}); it is retried later.`, {
        cause: err,
        action: 'Free space or raise the quota on the target; the filing stays pending until then.',
      });
    case 'EBUSY':
    case 'ETXTBSY':
    case 'EAGAIN':
    case 'EMFILE':
    case 'ENFILE':
    case 'EIO':
    case 'ETIMEDOUT':
    case 'EHOSTDOWN':
    case 'ECONNRESET':
    case 'ECONNABORTED':
    case 'ECONNREFUSED':
    case 'EPIPE':
    case 'ENOTCONN':
    case 'ENETDOWN':
    case 'ENETUNREACH':
    case 'ENETRESET':
    case 'EHOSTUNREACH':
    case 'ESTALE':
      return new TransientError(`${where} is busy or unreachable (${code}).`, { cause: err });
    case 'UNKNOWN':
      // libuv names no code for several Windows errors of network shares (network path or name not found, device
      // not ready, unexpected network error, logon failure, quota exceeded): most often the share is offline.
      return new TransientError(`${where} could not be reached (a Windows error Node does not name: ${detail}).`, {
        cause: err,
        action: 'Check that the share and its server are reachable and that the service account can sign in to it; the filing stays pending until then.',
      });
    case 'ENOENT':
    case 'ENOTDIR':
      return new TargetMissing(`${where} cannot be reached: a drive, share or folder on the way does not exist (${code}).`, { cause: err });
    case 'ENAMETOOLONG':
      return new PermanentError(`The path ${where} is too long for this filesystem (${code}).`, { cause: err });
    case 'EINVAL':
    case 'EISDIR':
    case 'EEXIST':
      return new PermanentError(`${where} cannot be written as a file (${code}: ${detail}).`, { cause: err });
    default:
      return toFilingSyncError(err);
  }
}
