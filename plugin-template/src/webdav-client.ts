import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import { AuthError, type Credential, type CredentialBroker, type CredentialRequest } from '@filing-sync/core';
import { webDavError } from './webdav-errors.js';

/** One WebDAV request. `body` is a function so that a repeated request rebuilds its body. */
export interface WebDavRequest {
  method: 'GET' | 'PUT' | 'MKCOL' | 'PROPFIND' | 'PROPPATCH' | 'DELETE';
  /** Absolute URL path, already percent-encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: () => Buffer | string | Readable | Promise<Buffer | string | Readable>;
  /** Statuses the caller handles itself (e.g. 412 for "name taken"); others reject. */
  accept: readonly number[];
  /** Names the call in error messages. */
  what: string;
  signal?: AbortSignal;
  responseType?: 'text' | 'arraybuffer' | 'stream';
}

/**
 * A WebDAV server at one origin: adds the credential from the host's broker, maps failures into
 * the taxonomy, and on a 401 asks the broker once for a fresh credential before giving up with
 * AuthError. It never retries anything else: the engine decides retries.
 */
export class WebDavClient {
  private readonly http: AxiosInstance;

  constructor(
    origin: string,
    private readonly credentials: CredentialBroker,
    private readonly credentialRequest: CredentialRequest,
    timeoutMs: number,
  ) {
    this.http = axios.create({
      baseURL: origin,
      timeout: timeoutMs,
      // No redirects: follow-redirects would buffer streamed bodies, and a WebDAV server that
      // redirects a write is misconfigured.
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  /** Sends `request`; resolves with an accepted response, rejects with a taxonomy error. */
  async send(request: WebDavRequest): Promise<AxiosResponse> {
    for (let attempt = 1; ; attempt++) {
      const credential = await this.credentials.get(this.credentialRequest, request.signal);
      let response: AxiosResponse;
      try {
        response = await this.http.request({
          method: request.method,
          url: request.path,
          headers: { ...request.headers, authorization: authorization(credential) },
          data: request.body ? await request.body() : undefined,
          signal: request.signal,
          responseType: request.responseType ?? 'text',
        });
      } catch (err) {
        throw webDavError(err, request.what);
      }
      if (request.accept.includes(response.status)) return response;
      if (response.status === 401 && attempt === 1) {
        // The credential may just have expired: forget it and try once with a fresh one.
        response.data?.destroy?.();
        this.credentials.invalidate(this.credentialRequest);
        continue;
      }
      response.data?.destroy?.();
      throw webDavError({ response: { status: response.status, headers: response.headers, data: response.data } }, request.what);
    }
  }
}

function authorization(credential: Credential): string {
  switch (credential.type) {
    case 'basic':
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${credential.accessToken}`;
    default:
      throw new AuthError('The credential for WebDAV is neither basic (username and password) nor bearer (token).', {
        action: 'Configure credentials.webdav with username and password, or a token.',
      });
  }
}
