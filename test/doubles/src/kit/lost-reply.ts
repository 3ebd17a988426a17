import type { ServerResponse } from 'node:http';

/**
 * Wraps a response so that the handler does all its work (stores the upload, advances the
 * session) but its reply never reaches the client: the connection is dropped instead. This is
 * the "lost reply" a client cannot tell from a failed request, which upload sessions must resume
 * from without sending data twice.
 */
export function lostReply(res: ServerResponse): ServerResponse {
  const drop = (): ServerResponse => {
    res.socket?.destroy();
    return res;
  };
  return new Proxy(res, {
    get(target, prop, receiver) {
      if (prop === 'writeHead' || prop === 'end' || prop === 'write') return drop;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
