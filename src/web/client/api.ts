// Calls the Signals server's own APIs with the session's key. Errors come back in SparkPost's shape
// ({"errors":[{"message","description"}]}); a 401 ends the session.
import { session } from './session.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | undefined>;

export function withParams(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export async function fetchApi(path: string, params: Params = {}): Promise<Response> {
  const key = session.key();
  if (!key) throw new ApiFailure(401, 'not signed in');
  const response = await fetch(withParams(path, params), { headers: { authorization: key } });
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { errors?: Array<{ message?: string; description?: string }> };
    const first = body.errors?.[0];
    if (first) message = [first.message, first.description].filter(Boolean).join(': ');
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) {
    session.signOut();
    window.dispatchEvent(new Event('signed-out'));
  }
  throw new ApiFailure(response.status, message);
}

export async function api<T>(path: string, params: Params = {}): Promise<T> {
  return (await fetchApi(path, params)).json() as Promise<T>;
}
