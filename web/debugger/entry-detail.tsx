import { useEffect, useState } from 'preact/hooks';
import type { DebugEntry, DebugEntryDetail, ProducedRequest } from '../../src/local/debugger/wire.ts';
import { getJson } from './api.ts';
import { clock, describeParams } from './view.ts';

/** One request in full: authentication, problem, rules, Matomo requests with their delivery, and the body. */
export function EntryDetail({
  entry,
  onClose,
}: {
  readonly entry: DebugEntry;
  readonly onClose: () => void;
}) {
  const [detail, setDetail] = useState<DebugEntryDetail | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    setDetail(undefined);
    setError(undefined);
    getJson<DebugEntryDetail>(`/debugger/api/entries/${entry.seq}`).then(setDetail, (e: unknown) =>
      setError(String(e instanceof Error ? e.message : e)),
    );
  }, [entry.seq]);
  return (
    <aside
      id="detail"
      class="detail"
      tabIndex={-1}
      aria-label={`Request ${entry.seq}`}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <header>
        <h2>
          {entry.method} {entry.path}
          {detail?.query ? `?${detail.query}` : ''} → {entry.status ?? 'pending'}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the detail">
          ×
        </button>
      </header>
      <p class="meta">
        {clock(entry.at)} · route <code>{entry.route}</code> · source <code>{entry.source ?? '?'}</code>
      </p>
      <h3>Authentication</h3>
      <p data-testid="auth">{authText(entry)}</p>
      {entry.problem && (
        <section class="problem" data-testid="problem">
          <h3>
            Refused: {entry.problem.status} {entry.problem.title}
          </h3>
          {entry.problem.detail && <p>{entry.problem.detail}</p>}
          {entry.problem.type && <p class="meta">{entry.problem.type}</p>}
          {entry.problem.extra && <pre>{JSON.stringify(entry.problem.extra, null, 2)}</pre>}
        </section>
      )}
      {(entry.eventIds?.length ?? 0) > 0 && (
        <p class="meta" data-testid="event-ids">
          event id{entry.eventIds?.length === 1 ? '' : 's'} <code>{entry.eventIds?.join(', ')}</code>
        </p>
      )}
      {entry.counts && (
        <p class="meta">
          202:{' '}
          {Object.entries(entry.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}
        </p>
      )}
      {entry.dropped !== undefined && (
        <section data-testid="dropped">
          <h3>Not queued: {entry.dropped}</h3>
          <p>The site's consent setting in the tracker file drops hits without consent=1.</p>
        </section>
      )}
      {entry.dropped === undefined && (entry.outcome === 'ignored' || (entry.counts?.ignored ?? 0) > 0) ? (
        <NoMatch entry={entry} />
      ) : null}
      {entry.requests.length > 0 && <h3>Matomo requests ({entry.requests.length})</h3>}
      {entry.requests.map((r) => (
        <RequestCard key={r.id} request={r} />
      ))}
      <h3>Request as received (secrets and signatures redacted)</h3>
      {error && <p class="problem">{error}</p>}
      {detail && (
        <>
          <table class="params" data-testid="headers">
            <tbody>
              {Object.entries(detail.headers).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <pre class="body" data-testid="body">
            {pretty(detail.body)}
            {detail.bodyTruncated
              ? '\n… (cut: the debugger keeps 64 KiB of a body, 32 MiB of all bodies)'
              : ''}
          </pre>
        </>
      )}
    </aside>
  );
}

function NoMatch({ entry }: { readonly entry: DebugEntry }) {
  return (
    <section data-testid="no-match">
      <h3>No rule matched{entry.outcome === 'ignored' ? '' : ' some events'}</h3>
      <p>Each rule's condition was false for the event:</p>
      <ul>
        {(entry.rules ?? []).map((r) => (
          <li key={`${r.file}:${r.line}`}>
            <strong>{r.name}</strong> <code>{r.when ?? '(no when: always)'}</code>{' '}
            <span class="meta">
              {r.file}:{r.line}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RequestCard({ request }: { readonly request: ProducedRequest }) {
  return (
    <section class="request" data-testid="matomo-request" data-state={request.state}>
      <h4>
        <span class={`badge ${request.state}`}>{request.state}</span> {describeParams(request.params)}
      </h4>
      <p class="meta">
        rule <strong>{request.rule}</strong>
        {request.ruleAt && (
          <>
            {' '}
            at{' '}
            <code data-testid="rule-at">
              {request.ruleAt.file}:{request.ruleAt.line}
            </code>
          </>
        )}{' '}
        · event <code>{request.eventId}</code> · visitor <code>{request.visitorKey}</code>
        {request.params.cid && (
          <>
            {' '}
            · cid <code>{request.params.cid}</code>
          </>
        )}
      </p>
      {request.warnings && request.warnings.length > 0 && (
        <ul class="warnings" data-testid="warnings">
          {request.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <ol class="steps" aria-label="Delivery">
        {request.steps.map((s) => (
          <li key={`${s.at}-${s.state}-${s.detail ?? ''}`}>
            <span class="time">{clock(s.at)}</span> <span class={`badge ${s.state}`}>{s.state}</span>{' '}
            {s.detail ?? ''}
          </li>
        ))}
      </ol>
      <details>
        <summary>Parameters ({Object.keys(request.params).length})</summary>
        <table class="params">
          <tbody>
            {Object.entries(request.params).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function authText(entry: DebugEntry): string {
  const scheme = entry.auth ?? 'unknown source';
  if (entry.status === undefined) return `${scheme}: checking…`;
  if (entry.status === 401)
    return `${scheme}: refused — ${entry.problem?.detail ?? entry.problem?.title ?? ''}`;
  if (entry.auth === undefined) return 'no source with this name: not checked';
  // Ingest checks the size before the signature, so a 413 never reached authentication.
  if (entry.status === 413) return `${scheme}: not checked (the body was refused first)`;
  if (entry.status === 500 && entry.problem) return `${scheme}: could not be checked`;
  return `${scheme}: passed`;
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
