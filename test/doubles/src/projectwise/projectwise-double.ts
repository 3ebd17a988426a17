/**
 * A double of Bentley Web Services Gateway (WSG 2.x) with the ProjectWise plugin, for the calls the
 * ProjectWise sink makes: `PW_WSG/Project` (folders) and `PW_WSG/Document` instances in the WSG 2.x
 * instance JSON (`instances`, `changedInstance`), `$filter` on `ParentGuid`/`Name`/`FileName`,
 * creation with a `DocumentParent`/`ProjectParent` relationship, a document created with its file
 * in one multipart request or created first and its `$file` sent in `Content-Range` chunks, an
 * instance update (`POST …/Document/{id}` with `changeState: "modified"`, to rename a document),
 * `DELETE …/Document/{id}`, `$top`/`$skip` paging, WSG error bodies (`errorId`, `errorMessage`),
 * Basic and Token authorisation. Names are unique per folder, case-insensitively, for both `Name`
 * and `FileName`. A document whose file is not (yet) complete is still an instance: it is listed,
 * with `FileSize` 0, and its `$file` answers 404.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlan } from '../kit/faults.js';
import { Router, readBody, sendJson } from '../kit/http.js';
import { lostReply } from '../kit/lost-reply.js';
import { startDouble, type RunningDouble } from '../kit/server.js';

/** A folder (`PW_WSG/Project`). */
export interface PwProject {
  guid: string;
  name: string;
  parentGuid: string | null;
}

/** A document (`PW_WSG/Document`) and its file. */
export interface PwDocument {
  guid: string;
  name: string;
  fileName: string;
  description: string;
  parentGuid: string;
  /** `undefined` while a chunked `$file` upload is incomplete. */
  bytes: Buffer | undefined;
  /** Last change of the file (reported as `FileUpdateTime`); each accepted chunk moves it on. */
  updated: Date;
}

/** Options of {@link startProjectWiseDouble}. */
export interface ProjectWiseDoubleOptions {
  /** The repository id, e.g. `Bentley.PW--pw.example.com~3AFiling`. */
  repository?: string;
  /** `username` → `password` for Basic authorisation. */
  users?: Record<string, string>;
  /** Tokens accepted in `Authorization: Token …`. */
  tokens?: string[];
  faults?: FaultPlan;
}

/** A running ProjectWise WSG double. */
export interface ProjectWiseDouble extends RunningDouble {
  readonly repository: string;
  /** Makes a folder path exist (`/Projects/Surrey Court`); returns the last folder. */
  mkdir(path: string): PwProject;
  /** The folder at `path`, if any. */
  folder(path: string): PwProject | undefined;
  /**
   * Documents directly in the folder at `path`, including those whose file is missing or still
   * incomplete (`bytes` undefined): a reader of the folder sees those too.
   */
  documents(path: string): PwDocument[];
  /** Stores a document with its file in the folder at `path` (made if missing). */
  putDocument(path: string, name: string, bytes: Buffer | string): PwDocument;
  /** Creating documents or folders in (or below) the folder at `path` is refused with 403. */
  denyWrites(path: string): void;
  /** Deletes the folder at `path` with its subfolders and documents, as a user would in ProjectWise Explorer. */
  removeFolder(path: string): void;
  /**
   * The next request whose `METHOD path` matches (e.g. `/^POST .*\/Document$/`) is processed in full,
   * but its reply is lost: the connection is dropped instead.
   */
  loseNextResponse(match: RegExp): void;
}

const SCHEMA = 'PW_WSG';
const lower = (s: string): string => s.toLowerCase();

function wsgError(res: ServerResponse, status: number, errorId: string, errorMessage: string): void {
  sendJson(res, status, { errorId, errorMessage, errorDescription: null });
}

/** Values of `Prop eq 'value'` / `Prop eq null` in a `$filter` (the shapes the sink sends). */
function filterValues(filter: string): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>();
  for (const m of filter.matchAll(/(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(null))/g)) {
    const list = out.get(m[1]!) ?? [];
    list.push(m[3] ? null : m[2]!.replace(/''/g, "'"));
    out.set(m[1]!, list);
  }
  return out;
}

/**
 * Starts the WSG double on 127.0.0.1 (HTTPS with the run's test certificate), serving
 * `/ws/v2.{n}/Repositories/{repository}/PW_WSG/...`.
 */
export async function startProjectWiseDouble(options: ProjectWiseDoubleOptions = {}): Promise<ProjectWiseDouble> {
  const repository = options.repository ?? 'Bentley.PW--pw.example.com~3AFiling';
  const users = options.users ?? { filer: 'secret' };
  const tokens = new Set(options.tokens ?? []);
  const projects = new Map<string, PwProject>();
  const documents = new Map<string, PwDocument>();
  const denied = new Set<string>();

  const children = (parent: string | null): PwProject[] => [...projects.values()].filter((p) => p.parentGuid === parent);
  const docsIn = (parent: string): PwDocument[] => [...documents.values()].filter((d) => d.parentGuid === parent);
  const isDenied = (guid: string | null): boolean => {
    for (let g = guid; g; g = projects.get(g)?.parentGuid ?? null) if (denied.has(g)) return true;
    return false;
  };
  const projectJson = (p: PwProject) => ({
    instanceId: p.guid,
    schemaName: SCHEMA,
    className: 'Project',
    properties: { Name: p.name, Description: '', ParentGuid: p.parentGuid },
    eTag: `"${p.guid}"`,
  });
  const documentJson = (d: PwDocument) => ({
    instanceId: d.guid,
    schemaName: SCHEMA,
    className: 'Document',
    properties: {
      Name: d.name,
      FileName: d.fileName,
      Description: d.description,
      ParentGuid: d.parentGuid,
      FileSize: d.bytes?.length ?? 0,
      FileUpdateTime: d.updated.toISOString(),
    },
    eTag: `"${d.guid}-${d.updated.getTime()}"`,
  });
  const nameTaken = (parent: string, name: string, fileName: string): boolean =>
    docsIn(parent).some((d) => [lower(d.name), lower(d.fileName)].some((n) => n === lower(name) || n === lower(fileName)));

  const authorised = (req: IncomingMessage, res: ServerResponse): boolean => {
    const auth = req.headers.authorization ?? '';
    let ok = false;
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      ok = user !== undefined && user in users && users[user] === rest.join(':');
    } else if (auth.startsWith('Token ')) ok = tokens.has(auth.slice(6));
    if (!ok) {
      req.resume();
      wsgError(res, 401, 'LoginFailed', 'The credentials are invalid or the token has expired.');
    }
    return ok;
  };

  /** Reads the relationship's target Project from a WSG 2.x instance body. */
  const parentOf = (instance: { relationshipInstances?: Array<{ className?: string; relatedInstance?: { instanceId?: string } }> }, relationship: string): string | null | undefined => {
    const rel = instance.relationshipInstances?.find((r) => r.className === relationship);
    if (!rel) return null;
    return rel.relatedInstance?.instanceId;
  };

  /** `$skip` then `$top` of a listing (WSG 2.x query options). */
  const page = <T>(items: T[], url: URL): T[] => {
    const skip = Number(url.searchParams.get('$skip') ?? 0) || 0;
    const top = url.searchParams.has('$top') ? Number(url.searchParams.get('$top')) : Number.POSITIVE_INFINITY;
    return items.slice(skip, skip + top);
  };

  const loseResponses: RegExp[] = [];
  const base = /^\/ws\/v2\.\d+\/Repositories\/(?<repo>[^/]+)\/PW_WSG/;
  const router = new Router();
  const route = (method: string, tail: string, handler: (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => Promise<void> | void) =>
    router.on(method, new RegExp(base.source + tail), async (req, res, params, url) => {
      if (!authorised(req, res)) return;
      if (params.repo !== repository) {
        req.resume();
        wsgError(res, 404, 'RepositoryNotFound', `Repository '${params.repo}' was not found.`);
        return;
      }
      const lose = loseResponses.findIndex((m) => m.test(`${req.method} ${url.pathname}`));
      if (lose >= 0) loseResponses.splice(lose, 1);
      await handler(req, lose >= 0 ? lostReply(res) : res, params, url);
    });

  route('GET', '\\/Project$', (_req, res, _p, url) => {
    const f = filterValues(url.searchParams.get('$filter') ?? '');
    const parent = f.get('ParentGuid')?.[0] ?? null;
    const name = f.get('Name')?.[0];
    const found = children(parent).filter((p) => name === undefined || lower(p.name) === lower(name ?? ''));
    sendJson(res, 200, { instances: found.map(projectJson) });
  });

  route('POST', '\\/Project$', async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { instance: { properties: { Name?: string }; relationshipInstances?: [] } };
    const name = body.instance?.properties?.Name;
    const parent = parentOf(body.instance, 'ProjectParent');
    if (!name) return wsgError(res, 400, 'InvalidInstance', 'Name is required.');
    if (parent === undefined || (parent !== null && !projects.has(parent))) return wsgError(res, 404, 'InstanceNotFound', 'The parent project was not found.');
    if (isDenied(parent)) return wsgError(res, 403, 'NoPermission', 'You do not have permission to create a folder here.');
    if (children(parent).some((p) => lower(p.name) === lower(name))) return wsgError(res, 409, 'InstanceAlreadyExists', `A folder named '${name}' already exists.`);
    const project: PwProject = { guid: randomUUID(), name, parentGuid: parent };
    projects.set(project.guid, project);
    sendJson(res, 201, { changedInstance: { change: 'Created', instanceAfterChange: projectJson(project) } });
  });

  route('GET', '\\/Document$', (_req, res, _p, url) => {
    const f = filterValues(url.searchParams.get('$filter') ?? '');
    const parent = f.get('ParentGuid')?.[0] ?? '';
    const names = [...(f.get('Name') ?? []), ...(f.get('FileName') ?? [])].filter((n): n is string => n !== null).map(lower);
    const found = docsIn(parent).filter((d) => names.length === 0 || names.includes(lower(d.name)) || names.includes(lower(d.fileName)));
    sendJson(res, 200, { instances: page(found, url).map(documentJson) });
  });

  route('POST', '\\/Document$', async (req, res) => {
    const type = req.headers['content-type'] ?? '';
    const raw = await readBody(req);
    let instance: { properties: { Name?: string; FileName?: string; Description?: string } };
    let bytes: Buffer | undefined;
    if (type.startsWith('multipart/form-data')) {
      // The instance as the first part, the file as the second (WSG 2.x "create instance with file").
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const parts = [...form.values()];
      if (parts.length !== 2 || typeof parts[0] === 'string' || typeof parts[1] === 'string') {
        return wsgError(res, 400, 'InvalidRequest', 'Expected two parts: the instance JSON and the file.');
      }
      instance = (JSON.parse(await (parts[0] as Blob).text()) as { instance: typeof instance }).instance;
      bytes = Buffer.from(await (parts[1] as Blob).arrayBuffer());
    } else {
      instance = (JSON.parse(raw.toString('utf8')) as { instance: typeof instance }).instance;
    }
    const name = instance?.properties?.Name;
    const fileName = instance?.properties?.FileName ?? name;
    const parent = parentOf(instance as never, 'DocumentParent');
    if (!name || !fileName) return wsgError(res, 400, 'InvalidInstance', 'Name is required.');
    if (name.length > 127) return wsgError(res, 400, 'InvalidInstance', 'Document name is longer than 127 characters.');
    if (!parent || !projects.has(parent)) return wsgError(res, 404, 'InstanceNotFound', 'The parent folder was not found.');
    if (isDenied(parent)) return wsgError(res, 403, 'NoPermission', 'You do not have permission to create documents in this folder.');
    if (nameTaken(parent, name, fileName)) return wsgError(res, 409, 'InstanceAlreadyExists', `A document named '${name}' already exists in this folder.`);
    const doc: PwDocument = { guid: randomUUID(), name, fileName, description: instance.properties.Description ?? '', parentGuid: parent, bytes, updated: new Date() };
    documents.set(doc.guid, doc);
    sendJson(res, 201, { changedInstance: { change: 'Created', instanceAfterChange: documentJson(doc) } });
  });

  route('GET', '\\/Document\\/(?<id>[^/]+)\\/\\$file$', (_req, res, params) => {
    const doc = documents.get(params.id!);
    if (!doc || doc.bytes === undefined) return wsgError(res, 404, 'InstanceNotFound', 'Document or file not found.');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(doc.bytes.length), 'content-disposition': `attachment; filename="${encodeURIComponent(doc.fileName)}"` });
    res.end(doc.bytes);
  });

  const pending = new Map<string, Buffer[]>();
  route('PUT', '\\/Document\\/(?<id>[^/]+)\\/\\$file$', async (req, res, params) => {
    const doc = documents.get(params.id!);
    const bytes = await readBody(req);
    if (!doc) return wsgError(res, 404, 'InstanceNotFound', 'Document not found.');
    if (isDenied(doc.parentGuid)) return wsgError(res, 403, 'NoPermission', 'You may not change this document.');
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!range) {
      doc.bytes = bytes;
      doc.updated = new Date();
      return sendJson(res, 200, { changedInstance: { change: 'Modified', instanceAfterChange: documentJson(doc) } });
    }
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const got = pending.get(doc.guid) ?? [];
    const have = got.reduce((n, b) => n + b.length, 0);
    // A chunk sent again after a lost reply replaces what it covered; a gap is refused.
    if (start > have || end - start + 1 !== bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${total}` });
      return void res.end();
    }
    const kept = Buffer.concat(got).subarray(0, start);
    const now = Buffer.concat([kept, bytes]);
    if (end + 1 < total) {
      pending.set(doc.guid, [now]);
      doc.updated = new Date();
      res.writeHead(308, { range: `bytes=0-${end}`, 'content-length': '0' });
      return void res.end();
    }
    pending.delete(doc.guid);
    doc.bytes = now;
    doc.updated = new Date();
    sendJson(res, 200, { changedInstance: { change: 'Modified', instanceAfterChange: documentJson(doc) } });
  });

  // WSG 2.x instance update: POST to the instance with `changeState: "modified"` and the changed
  // properties. Renaming keeps names unique in the folder like creation does (409).
  route('POST', '\\/Document\\/(?<id>[^/]+)$', async (req, res, params) => {
    const raw = await readBody(req);
    const doc = documents.get(params.id!);
    if (!doc) return wsgError(res, 404, 'InstanceNotFound', 'Document not found.');
    let instance: { instanceId?: string; className?: string; changeState?: string; properties?: { Name?: string; FileName?: string; Description?: string } } | undefined;
    try {
      instance = (JSON.parse(raw.toString('utf8')) as { instance?: typeof instance }).instance;
    } catch {
      return wsgError(res, 400, 'InvalidRequest', 'The request body is not an instance.');
    }
    if (!instance || instance.className !== 'Document' || (instance.instanceId !== undefined && instance.instanceId !== doc.guid)) {
      return wsgError(res, 400, 'InvalidInstance', 'The body must be the Document instance being changed.');
    }
    const name = instance.properties?.Name ?? doc.name;
    const fileName = instance.properties?.FileName ?? doc.fileName;
    if (!name || !fileName) return wsgError(res, 400, 'InvalidInstance', 'Name is required.');
    if (name.length > 127) return wsgError(res, 400, 'InvalidInstance', 'Document name is longer than 127 characters.');
    if (isDenied(doc.parentGuid)) return wsgError(res, 403, 'NoPermission', 'You may not change this document.');
    const others = docsIn(doc.parentGuid).filter((d) => d !== doc);
    if (others.some((d) => [lower(d.name), lower(d.fileName)].some((n) => n === lower(name) || n === lower(fileName)))) {
      return wsgError(res, 409, 'InstanceAlreadyExists', `A document named '${name}' already exists in this folder.`);
    }
    doc.name = name;
    doc.fileName = fileName;
    if (instance.properties?.Description !== undefined) doc.description = instance.properties.Description;
    sendJson(res, 200, { changedInstance: { change: 'Modified', instanceAfterChange: documentJson(doc) } });
  });

  route('DELETE', '\\/Document\\/(?<id>[^/]+)$', (_req, res, params) => {
    if (!documents.delete(params.id!)) return wsgError(res, 404, 'InstanceNotFound', 'Document not found.');
    pending.delete(params.id!);
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });

  const double = await startDouble({
    https: true,
    faults: options.faults,
    errorReply: (res, status, retryAfterSeconds) =>
      sendJson(res, status, { errorId: status === 429 ? 'TooManyRequests' : 'ServerUnavailable', errorMessage: 'The server is busy. Try again later.' }, { 'retry-after': String(retryAfterSeconds) }),
    handler: (req, res) => router.dispatch(req, res, (r) => wsgError(r, 404, 'ClassNotFound', 'Not found.')).then(() => undefined),
  });

  const folderAt = (path: string): PwProject | undefined => {
    let parent: string | null = null;
    let found: PwProject | undefined;
    for (const s of path.split('/').filter(Boolean)) {
      found = children(parent).find((p) => lower(p.name) === lower(s));
      if (!found) return undefined;
      parent = found.guid;
    }
    return found;
  };
  const mkdir = (path: string): PwProject => {
    let parent: string | null = null;
    let found: PwProject | undefined;
    for (const s of path.split('/').filter(Boolean)) {
      found = children(parent).find((p) => lower(p.name) === lower(s));
      if (!found) {
        found = { guid: randomUUID(), name: s, parentGuid: parent };
        projects.set(found.guid, found);
      }
      parent = found.guid;
    }
    if (!found) throw new Error('mkdir needs a path');
    return found;
  };

  return {
    ...double,
    repository,
    mkdir,
    folder: folderAt,
    documents: (path) => {
      const f = folderAt(path);
      return f ? docsIn(f.guid) : [];
    },
    putDocument(path, name, bytes) {
      const f = mkdir(path);
      const doc: PwDocument = { guid: randomUUID(), name, fileName: name, description: '', parentGuid: f.guid, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), updated: new Date() };
      documents.set(doc.guid, doc);
      return doc;
    },
    denyWrites(path) {
      const f = folderAt(path);
      if (!f) throw new Error(`no folder ${path}`);
      denied.add(f.guid);
    },
    removeFolder(path) {
      const f = folderAt(path);
      if (!f) throw new Error(`no folder ${path}`);
      const gone = new Set<string>();
      const remove = (guid: string): void => {
        gone.add(guid);
        for (const child of children(guid)) remove(child.guid);
      };
      remove(f.guid);
      for (const guid of gone) projects.delete(guid);
      for (const d of [...documents.values()]) {
        if (!gone.has(d.parentGuid)) continue;
        documents.delete(d.guid);
        pending.delete(d.guid);
      }
    },
    loseNextResponse(match) {
      loseResponses.push(match);
    },
  };
}
