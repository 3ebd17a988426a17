/**
 * Every Web Services Gateway (WSG 2.x) call the ProjectWise sink makes, in one small module, so a
 * partner with a real server can adjust a request shape in one place. See the README for the
 * choices and their sources.
 * @packageDocumentation
 */
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import {
  AuthError,
  type CredentialBroker,
  type CredentialRequest,
  type Pacer,
  PermanentError,
  fromHttpClientError,
  type HttpClientErrorLike,
} from '@filing-sync/core';

/** A WSG 2.x instance. */
export interface WsgInstance<P = Record<string, unknown>> {
  instanceId: string;
  schemaName: string;
  className: string;
  properties: P;
  eTag?: string;
}

/** Properties of `PW_WSG/Document` the sink reads. */
export interface PwDocumentProperties {
  Name: string;
  FileName?: string;
  Description?: string;
  FileSize?: number;
  FileUpdateTime?: string;
  /** Last change of the instance, where the server reports it. */
  UpdateTime?: string;
  /** Creation of the instance, where the server reports it. */
  CreateTime?: string;
}

/** Documents asked for per page when listing a folder (`$top`). */
const LIST_PAGE = 500;

/** Options of {@link WsgClient}. */
export interface WsgClientOptions {
  server: string;
  repository: string;
  /** `https://server/ws`. */
  baseUrl: string;
  apiVersion: string;
  tokenScheme: 'Token' | 'Bearer';
  credentials: CredentialBroker;
  pacer: Pacer;
  timeoutMs: number;
}

/** OData string literal: single quotes doubled. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A relationship to the parent folder, as WSG 2.x instance bodies carry it. */
function parentRelationship(relationship: string, parentGuid: string) {
  return [{ schemaName: 'PW_WSG', className: relationship, direction: 'forward', relatedInstance: { schemaName: 'PW_WSG', className: 'Project', instanceId: parentGuid } }];
}

/**
 * Thin WSG client. Errors: {@link AuthError} when the credentials are refused twice,
 * `PermissionDenied` (403), `TargetMissing` (404, such as an unknown repository),
 * `TransientError` (429/5xx with `retryAfterMs`, resets, timeouts), `PermanentError` (400...).
 * A 409 "already exists" is returned to the caller as `conflict`.
 */
export class WsgClient {
  private readonly http: AxiosInstance;
  private readonly credentialRequest: CredentialRequest;

  constructor(private readonly options: WsgClientOptions) {
    this.http = axios.create({
      baseURL: `${options.baseUrl}/v${options.apiVersion}/Repositories/${encodeURIComponent(options.repository)}/PW_WSG`,
      timeout: options.timeoutMs,
      maxRedirects: 0,
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
    });
    this.credentialRequest = { resource: 'projectwise', account: options.server };
  }

  /** The folder named `name` under `parentGuid` (`null`: top level), if any. */
  async findProject(parentGuid: string | null, name: string, signal?: AbortSignal): Promise<WsgInstance | undefined> {
    const res = await this.send<{ instances: WsgInstance[] }>(`Looking up folder "${name}"`, signal, () => ({
      method: 'GET',
      url: '/Project',
      params: { $filter: `ParentGuid eq ${parentGuid === null ? 'null' : literal(parentGuid)} and Name eq ${literal(name)}` },
    }));
    return res.data.instances?.[0];
  }

  /** Creates a folder; `conflict` when one of that name appeared meanwhile. */
  async createProject(parentGuid: string | null, name: string, signal?: AbortSignal): Promise<WsgInstance | 'conflict'> {
    return this.created(`Creating folder "${name}"`, signal, () => ({
      method: 'POST',
      url: '/Project',
      data: {
        instance: {
          schemaName: 'PW_WSG',
          className: 'Project',
          properties: { Name: name },
          ...(parentGuid ? { relationshipInstances: parentRelationship('ProjectParent', parentGuid) } : {}),
        },
      },
    }));
  }

  /** The document whose name or file name is `name` in folder `folderGuid`, if any. */
  async findDocument(folderGuid: string, name: string, signal?: AbortSignal): Promise<WsgInstance<PwDocumentProperties> | undefined> {
    const res = await this.send<{ instances: WsgInstance<PwDocumentProperties>[] }>(`Looking up document "${name}"`, signal, () => ({
      method: 'GET',
      url: '/Document',
      params: { $filter: `ParentGuid eq ${literal(folderGuid)} and (Name eq ${literal(name)} or FileName eq ${literal(name)})`, $select: '*' },
    }));
    return res.data.instances?.[0];
  }

  /**
   * Every document directly in folder `folderGuid`, with its properties, read in pages of
   * {@link LIST_PAGE} (`$top`/`$skip`). Rejects like every call (see the class).
   */
  async listDocuments(folderGuid: string, signal?: AbortSignal): Promise<WsgInstance<PwDocumentProperties>[]> {
    const all: WsgInstance<PwDocumentProperties>[] = [];
    for (let skip = 0; ; skip += LIST_PAGE) {
      const res = await this.send<{ instances: WsgInstance<PwDocumentProperties>[] }>(`Listing the documents of folder ${folderGuid}`, signal, () => ({
        method: 'GET',
        url: '/Document',
        params: { $filter: `ParentGuid eq ${literal(folderGuid)}`, $select: '*', $top: LIST_PAGE, $skip: skip },
      }));
      const page = res.data.instances ?? [];
      all.push(...page);
      if (page.length < LIST_PAGE) return all;
    }
  }

  /** Streams a document's file (`GET …/Document/{id}/$file`). */
  async download(documentId: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.send<Readable>(`Reading the file of document ${documentId}`, signal, () => ({
      method: 'GET',
      url: `/Document/${encodeURIComponent(documentId)}/$file`,
      responseType: 'stream',
    }));
    return res.data;
  }

  /**
   * Creates a document with its file in one multipart request (instance JSON, then the file).
   * `conflict` when the name or file name is taken in the folder.
   */
  async createDocumentWithFile(
    folderGuid: string,
    properties: { Name: string; FileName: string; Description: string },
    file: () => Promise<Buffer>,
    signal?: AbortSignal,
  ): Promise<WsgInstance<PwDocumentProperties> | 'conflict'> {
    const bytes = await file();
    return this.created(`Creating document "${properties.Name}"`, signal, () => {
      const form = new FormData();
      const instance = { instance: { schemaName: 'PW_WSG', className: 'Document', properties, relationshipInstances: parentRelationship('DocumentParent', folderGuid) } };
      form.append('instance', new Blob([JSON.stringify(instance)], { type: 'application/json' }));
      form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), properties.FileName);
      return { method: 'POST', url: '/Document', data: form };
    }) as Promise<WsgInstance<PwDocumentProperties> | 'conflict'>;
  }

  /**
   * Creates a document without its file (for chunked `$file` uploads, under a partial name that
   * {@link WsgClient.renameDocument} later turns into the final one). `conflict` when taken.
   */
  async createDocument(
    folderGuid: string,
    properties: { Name: string; FileName: string; Description: string },
    signal?: AbortSignal,
  ): Promise<WsgInstance<PwDocumentProperties> | 'conflict'> {
    return this.created(`Creating document "${properties.Name}"`, signal, () => ({
      method: 'POST',
      url: '/Document',
      data: { instance: { schemaName: 'PW_WSG', className: 'Document', properties, relationshipInstances: parentRelationship('DocumentParent', folderGuid) } },
    })) as Promise<WsgInstance<PwDocumentProperties> | 'conflict'>;
  }

  /** Sends `[start, end)` of `total` bytes to `…/Document/{id}/$file` with `Content-Range` (308 until the last). */
  async putFileChunk(
    documentId: string,
    chunk: { start: number; end: number; total: number; fileName: string; open(): Readable },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.send(`Sending bytes ${chunk.start}-${chunk.end - 1} of document ${documentId}`, signal, () => ({
      method: 'PUT',
      url: `/Document/${encodeURIComponent(documentId)}/$file`,
      data: chunk.open(),
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(chunk.end - chunk.start),
        'Content-Range': `bytes ${chunk.start}-${chunk.end - 1}/${chunk.total}`,
        'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(chunk.fileName)}`,
      },
      validateStatus: (s) => (s >= 200 && s < 300) || s === 308,
    }));
  }

  /**
   * Gives a document a new `Name` and `FileName` (both `name`): a WSG 2.x instance update,
   * `POST …/Document/{id}` with the instance, `changeState: "modified"` and the changed properties.
   * It never replaces another document: `conflict` when the name is taken in the folder (409).
   * Otherwise rejects like every call; a lost reply (reset, timeout) rejects with TransientError
   * although the rename may have happened.
   */
  async renameDocument(documentId: string, name: string, signal?: AbortSignal): Promise<'renamed' | 'conflict'> {
    return this.conflictOr(async () => {
      await this.send(`Renaming document ${documentId} to "${name}"`, signal, () => ({
        method: 'POST',
        url: `/Document/${encodeURIComponent(documentId)}`,
        data: { instance: { schemaName: 'PW_WSG', className: 'Document', instanceId: documentId, changeState: 'modified', properties: { Name: name, FileName: name } } },
      }));
      return 'renamed' as const;
    });
  }

  /** Deletes a document (`DELETE …/Document/{id}`). Rejects like every call (404 → TargetMissing). */
  async deleteDocument(documentId: string, signal?: AbortSignal): Promise<void> {
    await this.send(`Deleting document ${documentId}`, signal, () => ({ method: 'DELETE', url: `/Document/${encodeURIComponent(documentId)}` }));
  }

  private async created<P>(what: string, signal: AbortSignal | undefined, build: () => AxiosRequestConfig): Promise<WsgInstance<P> | 'conflict'> {
    return this.conflictOr(async () => {
      const res = await this.send<{ changedInstance?: { instanceAfterChange?: WsgInstance<P> } }>(what, signal, build);
      const instance = res.data?.changedInstance?.instanceAfterChange;
      if (!instance?.instanceId) throw new PermanentError(`${what}: WSG answered without the created instance.`);
      return instance;
    });
  }

  /** Runs `call`, turning WSG's 409 "already exists" into `conflict`. */
  private async conflictOr<T>(call: () => Promise<T>): Promise<T | 'conflict'> {
    try {
      return await call();
    } catch (err) {
      if ((err as { cause?: HttpClientErrorLike }).cause?.response?.status === 409) return 'conflict';
      throw err;
    }
  }

  /** One call: paced, authorised; a 401 invalidates the credential and tries once more. */
  private async send<T>(what: string, signal: AbortSignal | undefined, build: () => AxiosRequestConfig): Promise<AxiosResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.authorization(signal);
      try {
        return await this.options.pacer.run(() => {
          const config = build();
          return this.http.request<T>({ ...config, signal, headers: { Accept: 'application/json', ...config.headers, Authorization: authorization } });
        }, signal);
      } catch (err) {
        if ((err as HttpClientErrorLike).response?.status === 401) {
          this.options.credentials.invalidate(this.credentialRequest);
          if (attempt === 1) continue;
          throw new AuthError(`${what}: ProjectWise (${this.options.server}) refused the credentials.`, { cause: err });
        }
        throw fromHttpClientError(err, `${what} in ProjectWise ${this.options.server}/${this.options.repository}`);
      }
    }
  }

  private async authorization(signal?: AbortSignal): Promise<string> {
    const credential = await this.options.credentials.get(this.credentialRequest, signal);
    if (credential.type === 'basic') return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
    if (credential.type === 'bearer') return `${this.options.tokenScheme} ${credential.accessToken}`;
    throw new AuthError(`The credentials for ProjectWise ${this.options.server} are neither a user and password nor a token.`);
  }
}
