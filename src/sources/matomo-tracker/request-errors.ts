import { IngestError } from '../../ingest/errors.ts';

/** Problem slugs the tracker endpoint answers with (docs/browser.md). */
export type TrackerProblem =
  | 'invalid-body'
  | 'too-many-requests'
  | 'body-too-large'
  | 'invalid-idsite'
  | 'rate-limited'
  | 'tracker-not-configured';

const TITLES: Record<TrackerProblem, string> = {
  'invalid-body': 'Tracking request is malformed',
  'too-many-requests': 'Bulk holds too many requests',
  'body-too-large': 'Body too large',
  'invalid-idsite': 'Site is not tracked here',
  'rate-limited': 'Too many tracking requests from this client',
  'tracker-not-configured': 'The tracker endpoint is not configured',
};

/** A tracking request refused: a 4xx problem naming what was wrong and where (`path`). */
export class TrackerRequestError extends IngestError {
  override readonly name = 'TrackerRequestError';

  constructor(
    status: number,
    type: TrackerProblem,
    detail: string,
    path: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super({ status, type, title: TITLES[type], detail, issues: [{ path, message: detail }], headers });
  }
}
