/**
 * The page's calls to its own server. Every state-changing request carries the CSRF token the
 * server put in the page's meta tag.
 */

/** An error reply: what is wrong, what to do, and per-key problems for forms. */
export interface ApiProblem {
  error: string;
  message: string;
  action?: string;
  issues?: { key: string; expected: string; found?: string }[];
}

/** Thrown for a non-2xx reply. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ApiProblem,
  ) {
    super(problem.message);
  }
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

async function parse<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({ error: 'http', message: `HTTP ${res.status}` }))) as T | ApiProblem;
  if (!res.ok) throw new ApiError(res.status, body as ApiProblem);
  return body as T;
}

/** GET a JSON resource. */
export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/** POST/PUT JSON with the CSRF token. */
export async function send<T>(method: 'POST' | 'PUT', path: string, body: unknown = {}): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify(body),
    }),
  );
}

/** A time for people: local date and time, or "never". */
export function when(iso: string | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
