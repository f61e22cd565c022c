import { BadRequestError, type Issue, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.ts';
import { jsonErrorOffset } from './json-position.ts';

/** Refuses a body larger than `maxBytes` before anything reads it. */
export function checkSize(body: Buffer, maxBytes: number): void {
  if (body.length > maxBytes) {
    throw new PayloadTooLargeError(`the body is ${body.length} bytes; the limit is ${maxBytes}`);
  }
}

/** Accepts `application/json` and `application/*+json`, with any parameters (charset). */
export function checkJsonMediaType(contentType: string | undefined): void {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence)) return;
  throw new UnsupportedMediaTypeError(contentType);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the body as UTF-8 JSON. The error names the position, never the text around it:
 * the raw body is the sender's data and must not be echoed or logged.
 */
export function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new BadRequestError('invalid-json', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new BadRequestError('invalid-json', 'the body is empty');
  try {
    return JSON.parse(text);
  } catch {
    const position = jsonErrorOffset(text) ?? text.length;
    const { line, column } = lineAndColumn(text, position);
    throw new BadRequestError(
      'invalid-json',
      `the body is not valid JSON: unexpected input at line ${line} column ${column} (character ${position})`,
    );
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The events of a `POST /events` body: one JSON object, or a non-empty array of at most
 * `maxEvents` objects. Every element that is not an object is reported, with its path.
 */
export function eventsOf(parsed: unknown, maxEvents: number): { events: unknown[]; isArray: boolean } {
  if (isObject(parsed)) return { events: [parsed], isArray: false };
  if (!Array.isArray(parsed)) {
    throw new BadRequestError('invalid-shape', 'expected an event object or an array of event objects', [
      { path: '$', message: `expected an object or an array, got ${describe(parsed)}` },
    ]);
  }
  if (parsed.length === 0) {
    throw new BadRequestError('invalid-shape', 'the array has no events', [
      { path: '$', message: 'expected at least one event' },
    ]);
  }
  if (parsed.length > maxEvents) {
    throw new PayloadTooLargeError(`the array has ${parsed.length} events; the limit is ${maxEvents}`);
  }
  const issues: Issue[] = [];
  parsed.forEach((event, index) => {
    if (!isObject(event))
      issues.push({ path: `$[${index}]`, message: `expected an object, got ${describe(event)}` });
  });
  if (issues.length > 0) {
    throw new BadRequestError(
      'invalid-shape',
      `${issues.length} element(s) of the array are not event objects`,
      issues,
    );
  }
  return { events: parsed, isArray: true };
}

/** A webhook body must be one JSON object. */
export function webhookEventOf(parsed: unknown): Record<string, unknown> {
  if (isObject(parsed)) return parsed;
  throw new BadRequestError('invalid-shape', 'expected a JSON object', [
    { path: '$', message: `expected an object, got ${describe(parsed)}` },
  ]);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
