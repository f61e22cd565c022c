import { useCallback, useEffect, useState } from 'preact/hooks';
import type { DeadLetterView } from '../../src/local/debugger/wire.ts';
import { getJson, postJson } from './api.ts';
import { describeParams } from './view.ts';

interface Listing {
  readonly letters: readonly DeadLetterView[];
  readonly more: boolean;
}

/** The dead-letter queue: each letter's reason and detail, redriven one by one or all at once. */
export function DeadLetterList() {
  const [listing, setListing] = useState<Listing | undefined>(undefined);
  const [note, setNote] = useState('');
  const refresh = useCallback(async () => {
    try {
      setListing(await getJson<Listing>('/debugger/api/dead-letters'));
    } catch (error) {
      setNote(`Could not read the dead-letter queue: ${String(error)}`);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const redrive = async (messageId?: string): Promise<void> => {
    try {
      const { moved } = await postJson<{ moved: number }>(
        '/debugger/api/dead-letters/redrive',
        messageId === undefined ? {} : { messageId },
      );
      setNote(
        `${moved} letter${moved === 1 ? '' : 's'} moved back to the queue; see the Live tab for their delivery.`,
      );
    } catch (error) {
      setNote(`Redrive failed: ${String(error)}`);
    }
    await refresh();
  };
  const letters = listing?.letters ?? [];
  return (
    <main class="dead-letters">
      <div class="filters">
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
        <button type="button" disabled={letters.length === 0} onClick={() => void redrive()}>
          Redrive all
        </button>
        <span role="status" aria-live="polite">
          {note}
        </span>
      </div>
      {listing === undefined ? (
        <p>Reading the dead-letter queue…</p>
      ) : letters.length === 0 ? (
        <p data-testid="no-letters">The dead-letter queue is empty.</p>
      ) : (
        <table class="letters">
          <caption>
            {letters.length} dead letter{letters.length === 1 ? '' : 's'}
            {listing.more ? ' (more not shown)' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">reason</th>
              <th scope="col">detail</th>
              <th scope="col">source · rule · event</th>
              <th scope="col">request</th>
              <th scope="col">
                <span class="sr-only">action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {letters.map((l) => (
              <tr key={l.messageId} data-testid="dead-letter">
                <td>
                  <span class="badge dead-lettered">{l.reason}</span>
                </td>
                <td>{l.detail}</td>
                <td>
                  {l.source ?? '?'} · {l.rule ?? '?'} · <code>{l.eventId ?? '?'}</code>
                </td>
                <td>
                  {l.params ? describeParams(l.params) : ''}
                  <br />
                  <code class="meta">{l.requestId ?? l.messageId}</code>
                </td>
                <td>
                  <button type="button" onClick={() => void redrive(l.messageId)}>
                    Redrive
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
