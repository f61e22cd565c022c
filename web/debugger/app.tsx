import { useEffect, useState } from 'preact/hooks';
import { DeadLetterList } from './dead-letters.tsx';
import type { LiveState, LiveStore } from './live.ts';
import { LiveView } from './live-view.tsx';
import { Playground } from './playground.tsx';

type Tab = 'live' | 'dead-letters' | 'playground';

const TABS: readonly Tab[] = ['live', 'dead-letters', 'playground'];

const TAB_NAMES: Readonly<Record<Tab, string>> = {
  live: 'Live',
  'dead-letters': 'Dead letters',
  playground: 'Playground',
};

/** Keeps a component in step with the live store. */
function useLive(live: LiveStore): LiveState {
  const [state, setState] = useState(() => live.state());
  useEffect(() => live.subscribe(() => setState(live.state())), [live]);
  return state;
}

/** The debugger: the rule status, and a tab for the live list and one for dead letters. */
export function App({ live }: { readonly live: LiveStore }) {
  const state = useLive(live);
  const [tab, setTab] = useState<Tab>('live');
  const rules = state.rules;
  const onTabKey = (event: KeyboardEvent): void => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length] ?? 'live';
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <div class="app">
      <header class="top">
        <h1>Taglane debugger</h1>
        <div role="tablist" aria-label="Views" onKeyDown={onTabKey}>
          {TABS.map((t) => (
            <button
              type="button"
              role="tab"
              key={t}
              id={`tab-${t}`}
              aria-selected={tab === t}
              // The ARIA tabs pattern: one tab stop, arrows move between the tabs.
              tabIndex={tab === t ? 0 : -1}
              class={tab === t ? 'tab active' : 'tab'}
              onClick={() => setTab(t)}
            >
              {TAB_NAMES[t]}
            </button>
          ))}
        </div>
        <span class={state.connected ? 'conn ok' : 'conn off'} role="status">
          {state.connected ? 'connected' : 'reconnecting…'}
        </span>
      </header>
      {rules && (
        <section
          class={rules.ok ? 'rules ok' : 'rules refused'}
          aria-live="polite"
          data-testid="rules-status"
          data-at={rules.at}
        >
          {rules.ok ? (
            <span>
              Rules loaded at {new Date(rules.at).toLocaleTimeString()}:{' '}
              {rules.sources.map((s) => `${s.name} (${s.route}, ${s.auth})`).join(' · ') || 'no rule files'}
            </span>
          ) : (
            <div>
              <strong>Rule change refused; the previous rules stay in force:</strong>
              <ul>
                {rules.problems.map((p) => (
                  <li key={p}>
                    <code>{p}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      )}
      {/* Hidden, not unmounted: filters, selection and scroll survive a look at another tab. */}
      <LiveView live={live} state={state} hidden={tab !== 'live'} />
      {tab === 'dead-letters' && <DeadLetterList />}
      {tab === 'playground' && <Playground rules={rules} />}
    </div>
  );
}
