import type { ServerResponse } from 'node:http';
import { sendJson } from '../kit/http.js';

/**
 * Writes a Graph error reply: `{"error": {"code", "message", "innerError"}}`, as every Graph
 * endpoint answers failures. `innerCode` goes to `innerError.code` (e.g. `pathIsTooLong`).
 */
export function sendGraphError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  options: { innerCode?: string; headers?: Record<string, string> } = {},
): void {
  const innerError: Record<string, string> = { date: new Date().toISOString(), 'request-id': requestId() };
  if (options.innerCode) innerError['code'] = options.innerCode;
  sendJson(res, status, { error: { code, message, innerError } }, options.headers);
}

let counter = 0;
function requestId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}
