import { IngestError } from './errors.ts';
import type { IngestResponse } from './types.ts';

/** Problem `type` URIs are URNs; docs/ingest.md lists every slug and what to do about it. */
export const PROBLEM_TYPE_PREFIX = 'urn:taglane:problem:';

/** The one place errors become RFC 9457 problem details (`application/problem+json`). */
export function problemResponse(error: unknown, instance: string): IngestResponse {
  const known = error instanceof IngestError ? error : undefined;
  const status = known?.status ?? 500;
  const title = known?.title ?? 'Internal error';
  const body: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_PREFIX}${known?.type ?? 'internal'}`,
    title,
    status,
    // Unexposed and unknown errors get the title only: their messages may name internals.
    detail: known?.expose ? known.message : title,
    instance,
  };
  if (known && known.issues.length > 0) body.issues = known.issues;
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...(known?.headers ?? {}) },
    body: JSON.stringify(body),
  };
}
