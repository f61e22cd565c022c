import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { postJson } from './api.ts';
import { EntryDetail } from './entry-detail.tsx';
import { EntryList } from './entry-list.tsx';
import type { LiveState, LiveStore } from './live.ts';
import { type Filters, flatRows, matches, visitRows } from './view.ts';

const OUTCOMES = [
  'rejected',
  'ignored',
  'queued',
  'in-batch',
  'sent',
  'recorded',
  'skipped',
  'invalid',
  'retried',
  'dead-lettered',
] as const;

const NO_FILTERS: Filters = { source: '', visitor: '', outcome: '', text: '' };

/** The live list with its filters, pause and clear, and the selected entry beside it. */
export function LiveView(props: {
  readonly live: LiveStore;
  readonly state: LiveState;
  readonly hidden: boolean;
}) {
  const { live, state } = props;
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [grouped, setGrouped] = useState(false);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const textRef = useRef<HTMLInputElement>(null);
  const sources = useMemo(() => {
    // The rule set's sources, and any other a request named (a 404 for an unknown one).
    const named = [...(state.rules?.sources.map((s) => s.name) ?? []), ...state.entries.map((e) => e.source)];
    return [...new Set(named.filter((s): s is string => s !== undefined))].sort();
  }, [state.entries, state.rules]);
  const rows = useMemo(() => {
    const shown = state.entries.filter((e) => matches(e, filters));
    return grouped ? visitRows(shown) : flatRows(shown);
  }, [state.entries, filters, grouped]);
  const set = (key: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [key]: (event.currentTarget as HTMLInputElement).value });
  useEffect(() => {
    // "/" jumps to the text filter, as in most log viewers.
    const onKey = (event: KeyboardEvent): void => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      // offsetParent is null while the live view is hidden behind another tab.
      if (event.key === '/' && !typing && textRef.current?.offsetParent) {
        event.preventDefault();
        textRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const entry = selected === undefined ? undefined : live.entry(selected);
  return (
    <main class="live" hidden={props.hidden}>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Source
          <select value={filters.source} onChange={set('source')} name="source">
            <option value="">all</option>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Visitor
          <input
            type="search"
            name="visitor"
            value={filters.visitor}
            onInput={set('visitor')}
            placeholder="key or cid"
          />
        </label>
        <label>
          Outcome
          <select value={filters.outcome} onChange={set('outcome')} name="outcome">
            <option value="">all</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Text
          <input
            ref={textRef}
            type="search"
            name="text"
            value={filters.text}
            onInput={set('text')}
            placeholder="anything (press / to get here)"
          />
        </label>
        <label class="check">
          <input type="checkbox" name="grouped" checked={grouped} onChange={() => setGrouped(!grouped)} />
          by visit
        </label>
        <button type="button" aria-pressed={state.paused} onClick={() => live.setPaused(!state.paused)}>
          {state.paused ? `Resume (${state.waiting} waiting)` : 'Pause'}
        </button>
        <button
          type="button"
          onClick={() => {
            setSelected(undefined);
            void postJson('/debugger/api/clear', {});
          }}
        >
          Clear
        </button>
      </form>
      <p class="count" aria-live="polite">
        {rows.filter((r) => r.kind === 'entry').length} of {state.entries.length} requests
      </p>
      <div class="panes">
        <EntryList rows={rows} selected={selected} onSelect={setSelected} />
        {entry ? (
          <EntryDetail entry={entry} onClose={() => setSelected(undefined)} />
        ) : (
          <aside class="detail empty">
            <p>Select a request (arrow keys, then Enter) to see its body, rules and delivery.</p>
          </aside>
        )}
      </div>
    </main>
  );
}
