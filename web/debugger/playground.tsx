import { useEffect, useRef, useState } from 'preact/hooks';
import type { PlaygroundAnswer as Answer, RulesStatus } from '../../src/local/debugger/wire.ts';
import { getJson, postJson } from './api.ts';
import { describeParams } from './view.ts';

/** Waits this long after the last keystroke before asking the server. */
const TYPING_PAUSE_MS = 200;

/**
 * The playground: pick a source, edit an event, and see the Matomo requests it would produce
 * (or the error) as you type; nothing is queued. Save it as an example of the rules it matches.
 */
export function Playground({ rules }: { readonly rules: RulesStatus | undefined }) {
  const sources = rules?.sources ?? [];
  const [source, setSource] = useState(sources[0]?.name ?? '');
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<Answer | undefined>(undefined);
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const asked = useRef(0);
  useEffect(() => {
    if (source === '' && sources[0]) setSource(sources[0].name);
  }, [source, sources]);
  useEffect(() => {
    if (source === '') return;
    getJson<{ text: string }>(`/debugger/api/playground/sample?source=${encodeURIComponent(source)}`).then(
      (sample) => setText(sample.text),
      (error: unknown) => setNote(String(error)),
    );
  }, [source]);
  useEffect(() => {
    if (source === '' || text === '') return undefined;
    const n = ++asked.current;
    const timer = setTimeout(() => {
      postJson<Answer>('/debugger/api/playground/preview', { source, text }).then(
        // Only the answer to the latest text counts; earlier ones may arrive later.
        (got) => n === asked.current && setAnswer(got),
        (error: unknown) => n === asked.current && setAnswer({ ok: false, problem: String(error) }),
      );
    }, TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [source, text, rules?.at]);
  const save = async (): Promise<void> => {
    try {
      const saved = await postJson<{ file: string; rules: string[] }>('/debugger/api/playground/save', {
        source,
        text,
        name,
      });
      setNote(`Saved ${saved.file} as an example of ${saved.rules.join(', ')}; taglane test now checks it.`);
    } catch (error) {
      setNote(`Not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return (
    <main class="playground">
      <div class="filters">
        <label>
          Event source
          <select name="playground-source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
            {sources.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Example name
          <input
            name="example-name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            placeholder="e.g. trial-signup"
          />
        </label>
        <button type="button" disabled={name === '' || !answer?.ok} onClick={() => void save()}>
          Save as example
        </button>
        <span role="status" aria-live="polite" data-testid="playground-note">
          {note}
        </span>
      </div>
      <div class="panes">
        <textarea
          class="event-editor"
          aria-label="Event JSON"
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <section class="detail" aria-live="polite" data-testid="playground-answer">
          {answer === undefined ? (
            <p class="meta">Edit the event: its Matomo requests appear here.</p>
          ) : !answer.ok ? (
            <p class="problem" data-testid="playground-problem">
              {answer.problem}
            </p>
          ) : answer.requests.length === 0 ? (
            <p>No rule matched: the event would be acknowledged (202) and ignored.</p>
          ) : (
            <>
              <p class="meta">
                event id <code>{answer.eventId}</code> · matched {answer.matched.join(', ')}
              </p>
              {answer.requests.map((r, n) => (
                <section class="request" key={n} data-testid="playground-request">
                  <h4>{describeParams(r.params)}</h4>
                  <p class="meta">rule {r.rule}</p>
                  {r.warnings?.map((w) => (
                    <p class="warning" key={w.field} data-testid="playground-warning">
                      {w.field}: {w.message}
                    </p>
                  ))}
                  <table class="params">
                    <tbody>
                      {Object.entries(r.params).map(([k, v]) => (
                        <tr key={k}>
                          <th scope="row">{k}</th>
                          <td>{v}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              ))}
            </>
          )}
        </section>
      </div>
    </main>
  );
}
