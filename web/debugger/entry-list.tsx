import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DebugEntry } from '../../src/local/debugger/wire.ts';
import { clock, progress, type Row } from './view.ts';

/** Every row has this height, so only the visible ones need to exist. */
export const ROW_HEIGHT = 30;

/** Rows drawn above and below the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 10;

interface EntryListProps {
  readonly rows: readonly Row[];
  readonly selected: number | undefined;
  readonly onSelect: (seq: number | undefined) => void;
}

/**
 * The request list, virtualised: whatever the number of rows, only those in view (plus a
 * margin) are in the DOM. A listbox for the keyboard: arrows, Page Up/Down, Home/End move
 * the selection, Enter moves focus to the detail.
 */
export function EntryList({ rows, selected, onSelect }: EntryListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const measure = (): void => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const entryIndex = (seq: number | undefined): number =>
    seq === undefined ? -1 : rows.findIndex((r) => r.kind === 'entry' && r.entry.seq === seq);
  const selectedIndex = entryIndex(selected);
  useEffect(() => {
    // Keep the selection in view when the keyboard moves it.
    const el = box.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [selectedIndex]);
  const move = (from: number, step: number): void => {
    for (let i = from + step; i >= 0 && i < rows.length; i += step) {
      const row = rows[i];
      if (row?.kind === 'entry') {
        onSelect(row.entry.seq);
        return;
      }
    }
  };
  const page = Math.max(1, Math.floor(view.height / ROW_HEIGHT) - 1);
  const onKeyDown = (event: KeyboardEvent): void => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(selectedIndex, 1),
      ArrowUp: () => move(selectedIndex < 0 ? rows.length : selectedIndex, -1),
      PageDown: () => move(Math.min(rows.length - 1, Math.max(selectedIndex, 0) + page) - 1, 1),
      PageUp: () => move(Math.max(0, selectedIndex - page) + 1, -1),
      Home: () => move(-1, 1),
      End: () => move(rows.length, -1),
      Enter: () => document.getElementById('detail')?.focus(),
      Escape: () => onSelect(undefined),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };
  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  const active = selectedIndex >= 0 ? `row-${selected}` : undefined;
  return (
    <div
      ref={box}
      class="list"
      role="listbox"
      tabIndex={0}
      aria-label="Requests, newest first"
      aria-activedescendant={active}
      onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      onKeyDown={onKeyDown}
    >
      {rows.length === 0 && (
        <p class="none">Nothing yet. Send an event: it appears here as it is answered.</p>
      )}
      <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
        {rows.slice(first, last).map((row, n) => {
          const top = (first + n) * ROW_HEIGHT;
          if (row.kind === 'visit') {
            return (
              <div key={row.key} class="row visit" role="presentation" style={{ top: `${top}px` }}>
                <strong>{row.visitor}</strong>
                {row.cid && <span class="cid">cid {row.cid}</span>}
                {row.visit > 0 && (
                  <span>
                    visit {row.visit} · {row.count} request{row.count === 1 ? '' : 's'} ·{' '}
                    {clock(row.from * 1000).slice(0, 8)}–{clock(row.to * 1000).slice(0, 8)}
                  </span>
                )}
              </div>
            );
          }
          return (
            <EntryRow
              key={row.key}
              entry={row.entry}
              top={top}
              selected={row.entry.seq === selected}
              onSelect={() => onSelect(row.entry.seq)}
            />
          );
        })}
      </div>
    </div>
  );
}

function EntryRow(props: {
  readonly entry: DebugEntry;
  readonly top: number;
  readonly selected: boolean;
  readonly onSelect: () => void;
}) {
  const { entry } = props;
  const state = progress(entry);
  const rules = [...new Set(entry.requests.map((r) => r.rule))];
  const events = [...new Set([...entry.requests.map((r) => r.eventId), ...(entry.eventIds ?? [])])];
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles the keyboard for all rows.
    <div
      id={`row-${entry.seq}`}
      class={props.selected ? 'row entry selected' : 'row entry'}
      role="option"
      aria-selected={props.selected}
      // Focus stays on the listbox (aria-activedescendant); -1 keeps rows out of the tab order.
      tabIndex={-1}
      data-seq={entry.seq}
      data-state={state}
      style={{ top: `${props.top}px` }}
      onClick={props.onSelect}
    >
      <span class="time">{clock(entry.at)}</span>
      <span class={`status s${String(entry.status ?? 0).slice(0, 1)}`}>{entry.status ?? '…'}</span>
      <span class="route">
        {entry.method} {entry.path}
        {entry.source && entry.path === '/events' ? `?source=${entry.source}` : ''}
      </span>
      <span class="event" title="event id">
        {events.join(', ') || (entry.problem ? entry.problem.title : '')}
      </span>
      <span class="matched" title="matched rules">
        {rules.join(', ') ||
          (entry.dropped !== undefined
            ? `not queued: ${entry.dropped}`
            : entry.outcome === 'ignored'
              ? 'no rule matched'
              : '')}
      </span>
      <span class="reqs">{entry.requests.length > 0 ? `${entry.requests.length} req` : ''}</span>
      <span class={`badge ${state}`}>{state}</span>
    </div>
  );
}
