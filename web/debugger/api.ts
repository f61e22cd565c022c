/** A problem answer of the debugger's API, with its detail as the message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const detail = typeof body === 'object' && body !== null && 'detail' in body ? String(body.detail) : '';
    super(detail === '' ? `HTTP ${status}` : detail);
    this.status = status;
    this.body = body;
  }
}

/** GETs JSON from the debugger's API; throws {@link ApiError} on a non-2xx answer. */
export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/** POSTs JSON (the only content type the debugger's POST routes take). */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the error.
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}
