import { FetchOptions, type FetchResponse, type Interceptor } from 'box-node-sdk/networking';

/**
 * Adds `attributes.content_modified_at` to upload-session commits. Box's commit endpoint takes
 * the file's attributes, but box-node-sdk 10's commit body carries only the parts, so the sink
 * registers the time per session id here and the SDK's interceptor hook adds it to the request.
 * @public
 */
export class CommitAttributesInterceptor implements Interceptor {
  private readonly times = new Map<string, string>();

  /** Commits of `sessionId` will carry `contentModifiedAt` (RFC 3339). */
  set(sessionId: string, contentModifiedAt: string): void {
    this.times.set(sessionId, contentModifiedAt);
  }

  /** Forgets a session (committed or aborted). */
  delete(sessionId: string): void {
    this.times.delete(sessionId);
  }

  beforeRequest(options: FetchOptions): FetchOptions {
    const id = /\/upload_sessions\/([^/?]+)\/commit(?:\?|$)/.exec(options.url)?.[1];
    const at = id === undefined ? undefined : this.times.get(id);
    if (at === undefined || options.method?.toUpperCase() !== 'POST' || typeof options.data !== 'object' || options.data === null) return options;
    return new FetchOptions({ ...options, data: { ...(options.data as Record<string, unknown>), attributes: { content_modified_at: at } } });
  }

  afterRequest(response: FetchResponse): FetchResponse {
    return response;
  }
}
