/**
 * A request from the page that cannot be done as asked, for a reason that is not the
 * configuration's (so it is not a {@link ConfigError} telling the user to fix the config): the
 * connector is stopped, there is nothing to retry, an unknown account. It carries the HTTP status
 * the page gets, a short code, and what the user must do.
 * @public
 */
export class UiRequestError extends Error {
  /** What the user must do about it, in one sentence. */
  readonly action: string;

  constructor(
    /** The HTTP status the page receives: 400 (bad request), 404 (unknown), 409 (not now). */
    readonly status: 400 | 404 | 409,
    /** Short machine-readable code, e.g. `stopped`, `not-retryable`. */
    readonly code: string,
    message: string,
    action: string,
  ) {
    super(message);
    this.name = 'UiRequestError';
    this.action = action;
  }
}
