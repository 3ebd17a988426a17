import type { Content } from './content.js';

/**
 * Token under which every {@link Formatter} is registered (multi-registration).
 * @public
 */
export const Formatter = Symbol.for('filing-sync.Formatter');

/** What a formatter may use while rendering. */
export interface RenderContext {
  /** A private folder for spooling large output; removed by the engine afterwards. */
  scratchDir: string;
  signal?: AbortSignal;
}

/**
 * Turns a raw RFC 5322 message into the bytes of a file of one format.
 * @public
 */
export interface Formatter {
  /** Name a location's `format` refers to: `eml`, `msg`. */
  readonly name: string;
  /** File extension with its dot: `.eml`, `.msg`. */
  readonly extension: string;
  /** Media type of the output, e.g. `application/vnd.ms-outlook`. */
  readonly mediaType: string;
  /**
   * Renders the message. Rejects with {@link PermanentError} when this message cannot be
   * converted (the engine then files the original as `.eml`, outcome `degraded`). Rejects with
   * {@link TransientError}, or with the file system's error (ENOSPC, EMFILE, EIO…), when the failure
   * is this machine's and not the message's: the engine tries again later and the target stays
   * pending meanwhile. Any other rejection is treated as {@link PermanentError}.
   */
  render(message: Content, context: RenderContext): Promise<Content>;
  /** Releases what the formatter holds (worker threads). Called when the engine stops. Never rejects. */
  close?(): Promise<void>;
}
