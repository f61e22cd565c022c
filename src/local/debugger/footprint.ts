import type { DebugEntryDetail, DeliveryStep, ProducedRequest } from './wire.ts';

/**
 * Estimates of the heap the debugger's records take, for its memory budget. They add up
 * characters and count objects, never walking a record twice: the store adds each part once,
 * as it arrives. The per-object figures were fitted to the heap a real `taglane serve`
 * retained (docs/local.md, "How much it keeps"), so they are rough by design; what matters is
 * that they grow with what is kept and never undercount it by much.
 */

/** An entry's own object, its headers object, the ring and index slots. */
const ENTRY_BYTES = 1300;
/** One header: its value string and the object's slot (names are mostly shared). */
const HEADER_BYTES = 40;
/** A produced request: its object, parameters object, steps array and index entry. */
const REQUEST_BYTES = 720;
/** One parameter: its value string's header and a property slot. */
const PARAM_BYTES = 48;
/** A step shared by a bulk's requests: a slot in each request's steps array. */
const SHARED_STEP_BYTES = 16;
/** A step of one request alone: its object and slot. */
const OWN_STEP_BYTES = 64;
/** A string's header in V8. */
const STRING_BYTES = 16;

type Head = Pick<DebugEntryDetail, 'method' | 'path' | 'route' | 'headers' | 'query' | 'body'>;
type Answer = Pick<DebugEntryDetail, 'problem' | 'dropped' | 'counts' | 'eventIds' | 'rules'>;
type Produced = Pick<ProducedRequest, 'id' | 'eventId' | 'rule' | 'visitorKey' | 'params' | 'warnings'>;

/**
 * A body's characters: V8 keeps text with nothing past U+00FF one byte a character, other
 * text two. Found with one scan of at most 64 KiB (the debugger cuts longer bodies).
 */
export function textBytes(text: string): number {
  return PAST_LATIN1.test(text) ? 2 * text.length : text.length;
}
const PAST_LATIN1 = /[\u0100-\uffff]/;

/** An HTTP request as it arrives: its strings, headers and body. */
export function headBytes(entry: Head): number {
  let bytes = ENTRY_BYTES + entry.path.length + entry.query.length + textBytes(entry.body);
  for (const value of Object.values(entry.headers)) bytes += HEADER_BYTES + value.length;
  return bytes;
}

/** What the answer added to an entry: the problem, counts, event ids, rules for "none matched". */
export function answerBytes(entry: Answer): number {
  let bytes = 0;
  if (entry.problem) bytes += OWN_STEP_BYTES + JSON.stringify(entry.problem).length;
  if (entry.dropped !== undefined) bytes += STRING_BYTES + entry.dropped.length;
  if (entry.counts) bytes += Object.keys(entry.counts).length * PARAM_BYTES;
  for (const id of entry.eventIds ?? []) bytes += STRING_BYTES + id.length;
  for (const rule of entry.rules ?? [])
    bytes += OWN_STEP_BYTES + rule.name.length + rule.file.length + (rule.when?.length ?? 0);
  return bytes;
}

/** A produced Matomo request with its parameters and warnings. */
export function requestBytes(request: Produced): number {
  let bytes = REQUEST_BYTES + request.id.length + request.eventId.length + request.visitorKey.length;
  for (const value of Object.values(request.params)) bytes += PARAM_BYTES + value.length;
  for (const warning of request.warnings ?? []) bytes += STRING_BYTES + warning.length;
  return bytes;
}

/** A delivery step: a slot when a bulk shares it, an object of its own otherwise. */
export function stepBytes(step: DeliveryStep, shared: boolean): number {
  return shared ? SHARED_STEP_BYTES : OWN_STEP_BYTES + (step.detail?.length ?? 0);
}

/** A parameter added to a request later (the batcher's `cid`). */
export function paramBytes(value: string): number {
  return PARAM_BYTES + value.length;
}
