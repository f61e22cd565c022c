import {
  APP,
  appEvent,
  badJson,
  badShape,
  bytes,
  HOSTILE,
  hostileEvent,
  JSON_TYPE,
  make,
  nest,
  ok,
  PAD,
  padded,
  repeat,
  STRIPE,
  text,
  tooLarge,
} from './build.ts';
import type { HostileCase } from './cases.ts';

/** Bodies JSON.parse must refuse; each answered 400 with the position, never a 500. */
export function invalidJsonCases(): HostileCase[] {
  const bodies: [string, string][] = [
    ['open brace', '{'],
    ['close brace', '}'],
    ['open bracket', '['],
    ['close bracket', ']'],
    ['trailing comma in object', '{"type":"page_view",}'],
    ['trailing comma in array', '[{"type":"page_view"},]'],
    ['single quotes', "{'type':'page_view'}"],
    ['unquoted key', '{type:"page_view"}'],
    ['NaN', '{"value":NaN}'],
    ['Infinity', '{"value":Infinity}'],
    ['minus Infinity', '{"value":-Infinity}'],
    ['undefined', '{"value":undefined}'],
    ['line comment', '// comment\n{"type":"page_view"}'],
    ['block comment', '/* comment */{"type":"page_view"}'],
    ['two documents', '{"a":1}{"b":2}'],
    ['garbage after document', '{"a":1} trailing'],
    ['unterminated string', '{"type":"page_view'],
    ['hex escape', '{"a":"\\x41"}'],
    ['short unicode escape', '{"a":"\\u12"}'],
    ['raw tab in string', '{"a":"tab\there"}'],
    ['raw newline in string', '{"a":"line\nbreak"}'],
    ['raw NUL in string', '{"a":"nul\u0000here"}'],
    ['leading zero', '{"a":01}'],
    ['hex number', '{"a":0x10}'],
    ['leading dot', '{"a":.5}'],
    ['trailing dot', '{"a":1.}'],
    ['plus sign', '{"a":+1}'],
    ['bare exponent', '{"a":1e}'],
    ['missing colon', '{"a" 1}'],
    ['double colon', '{"a"::1}'],
    ['lone comma in object', '{,}'],
    ['lone comma in array', '[,]'],
    ['truncated null', 'nul'],
    ['truncated true', 'tru'],
    ['capitalised True', 'True'],
    ['python None', 'None'],
    ['missing close brace', '{"a":1'],
    ['mismatched brackets', '{"a":[1,2}'],
    ['mismatched braces', '{"a":{"b":1]}'],
    ['leading NUL', '\u0000{}'],
    ['trailing NUL', '{}\u0000'],
    ['empty', ''],
    ['whitespace only', '\n\t\r '],
    ['no-break space as whitespace', '{"a":1}\u00a0'],
    ['unterminated lone surrogate escape', '{"a":"\\ud800'],
    ['only a comma', ','],
  ];
  return bodies.map(([name, body]) =>
    make('invalid-json', name, `not JSON: ${name}`, APP, text(body), badJson),
  );
}

const PREFIX = Buffer.from(
  '{"id":"e1","type":"page_view","timestamp":1789999000,"anonymousId":"a","properties":{"url":"https://x.example/',
);
const SUFFIX = Buffer.from('"}}');

/** Byte sequences that are not UTF-8, inside an otherwise valid event. */
export function invalidUtf8Cases(): HostileCase[] {
  const sequences: [string, number[]][] = [
    ['byte ff', [0xff]],
    ['byte fe', [0xfe]],
    ['overlong NUL', [0xc0, 0x80]],
    ['overlong slash', [0xc1, 0xbf]],
    ['overlong three bytes', [0xe0, 0x80, 0x80]],
    ['utf8 encoded surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['lead byte f5', [0xf5, 0x80, 0x80, 0x80]],
    ['five byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['lone continuation 80', [0x80]],
    ['lone continuation bf', [0xbf]],
    ['truncated two byte', [0xc3]],
    ['truncated three byte', [0xe2, 0x82]],
    ['truncated four byte', [0xf0, 0x9f, 0x98]],
    ['latin1 e acute', [0xe9]],
  ];
  const cases = sequences.map(([name, seq]) =>
    make(
      'invalid-utf8',
      name,
      `invalid UTF-8 (${name}) inside a string`,
      APP,
      bytes(Buffer.concat([PREFIX, Buffer.from(seq), SUFFIX])),
      badJson,
    ),
  );
  const event = JSON.stringify(appEvent());
  cases.push(
    make(
      'invalid-utf8',
      'in a key',
      'invalid UTF-8 inside an object key',
      APP,
      bytes(Buffer.concat([Buffer.from('{"k'), Buffer.from([0xff]), Buffer.from('":1}')])),
      badJson,
    ),
    make(
      'invalid-utf8',
      'utf16le with bom',
      'a UTF-16LE body with its byte order mark',
      APP,
      bytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(event, 'utf16le')])),
      badJson,
    ),
    make(
      'invalid-utf8',
      'utf16be with bom',
      'a UTF-16BE body with its byte order mark',
      APP,
      bytes(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(event, 'utf16le').swap16()])),
      badJson,
    ),
    make(
      'invalid-utf8',
      'signed stripe webhook',
      'invalid UTF-8 in a correctly signed Stripe webhook',
      STRIPE,
      bytes(
        Buffer.concat([
          Buffer.from('{"id":"evt_1","type":"x","data":"'),
          Buffer.from([0xff]),
          SUFFIX.subarray(0, 2),
        ]),
      ),
      badJson,
    ),
  );
  return cases;
}

/** Nesting deep enough to overflow any recursive walk of the parsed value. */
export function deepCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const depth of [1_000, 10_000, 100_000]) {
    cases.push(
      make(
        'deep-nesting',
        `array ${depth}`,
        `an array nested ${depth} deep`,
        APP,
        nest('', '[', depth, '', ']', ''),
        badShape,
      ),
      make(
        'deep-nesting',
        `unclosed array ${depth}`,
        `${depth} opening brackets and no closing one`,
        APP,
        repeat('', '[', depth, ''),
        badJson,
      ),
      make(
        'deep-nesting',
        `object property ${depth}`,
        `a page view whose properties hold an object nested ${depth} deep`,
        APP,
        nest(`${JSON.stringify(appEvent()).slice(0, -1)},"deep":`, '{"a":', depth, '1', '}', '}'),
        ok,
      ),
    );
  }
  cases.push(
    make(
      'deep-nesting',
      'hostile name nested',
      'a hostile event whose name is a deeply nested array (an optional field: dropped with a warning)',
      HOSTILE,
      nest(`${JSON.stringify(hostileEvent()).slice(0, -1)},"name":`, '[', 50_000, '', ']', '}'),
      ok,
    ),
    make(
      'deep-nesting',
      'stripe webhook deep',
      'a signed Stripe webhook with a 50000-deep data object',
      STRIPE,
      nest('{"id":"evt_deep","type":"x","data":', '{"a":', 50_000, '1', '}', '}'),
      ok,
    ),
    make(
      'deep-nesting',
      'event array of deep',
      'an array of 10 events with one id, 9 nested 5000 deep and the last not: compared without overflowing, refused as two different events sharing an id',
      APP,
      repeat(
        '[',
        `${JSON.stringify(appEvent()).slice(0, -1)},"deep":${'['.repeat(5000)}${']'.repeat(5000)}},`,
        9,
        `${JSON.stringify(appEvent())}]`,
      ),
      { status: 422, type: 'duplicate-event-id' },
    ),
  );
  return cases;
}

/** Huge arrays, strings, numbers and key counts that stay under the body limit. */
export function hugeCases(): HostileCase[] {
  const event = JSON.stringify(appEvent());
  return [
    make(
      'huge',
      '501 events',
      'one event more than TAGLANE_MAX_EVENTS',
      APP,
      repeat('[', `${event},`, 500, `${event}]`),
      tooLarge,
    ),
    make(
      'huge',
      '500 events',
      'exactly TAGLANE_MAX_EVENTS events',
      APP,
      repeat('[', `${event},`, 499, `${event}]`),
      ok,
    ),
    make(
      'huge',
      '100000 zeros',
      'an array of 100000 numbers',
      APP,
      repeat('[', '0,', 99_999, '0]'),
      tooLarge,
    ),
    make(
      'huge',
      '1 event and 499 numbers',
      'one event among 499 non-objects: every bad element reported',
      APP,
      repeat(`[${event}`, ',1', 499, ']'),
      badShape,
    ),
    make(
      'huge',
      'title 900k',
      'a page title of 900000 characters',
      APP,
      padded(appEvent({ properties: { url: 'https://www.example.com/a', title: PAD } }), 'x', 900_000),
      ok,
    ),
    make(
      'huge',
      'category 500k',
      'an event category of 500000 characters',
      HOSTILE,
      padded(hostileEvent({ category: PAD }), 'c', 500_000),
      ok,
    ),
    make(
      'huge',
      'number 400 digits',
      'an event value with 400 digits (JSON.parse gives Infinity; an optional field: dropped with a warning)',
      HOSTILE,
      text(JSON.stringify(hostileEvent()).replace('"value":1', `"value":${'9'.repeat(400)}`)),
      ok,
    ),
    make(
      'huge',
      'timestamp 1e308',
      'an event time of 1e308',
      HOSTILE,
      text(JSON.stringify(hostileEvent()).replace(/"at":\d+/, '"at":1e308')),
      { status: 422, type: 'rule-failed' },
    ),
    make(
      'huge',
      '50000 keys',
      'properties with 50000 keys',
      APP,
      repeat(`${JSON.stringify(appEvent()).slice(0, -2)},"many":{`, '"k":1,', 50_000, '"last":1}}}'),
      ok,
    ),
    make(
      'huge',
      'key 500k',
      'a property name of 500000 characters',
      APP,
      repeat(`${event.slice(0, -1)},"`, 'k', 500_000, '":1}'),
      ok,
    ),
    make(
      'huge',
      'cart 5000 items',
      'a cart with 5000 items',
      APP,
      repeat(
        `${JSON.stringify(appEvent({ type: 'add_to_cart', userId: 'u1', properties: undefined })).slice(0, -1)},"properties":{"cart_total":5000,"items":[`,
        '{"sku":"SKU","name":"Item","price":1,"quantity":1},',
        4999,
        '{"sku":"SKU-last","name":"Last","price":1,"quantity":1}]}}',
      ),
      ok,
    ),
    make(
      'huge',
      'array of 500 empty objects',
      '500 events that match no rule',
      APP,
      repeat('[', '{},', 499, '{}]'),
      ok,
    ),
    make(
      'huge',
      'string of escapes',
      'a title made of 100000 unicode escapes',
      APP,
      repeat(`${event.slice(0, -1)},"x":"`, '\\u0041', 100_000, '"}'),
      ok,
    ),
    make(
      'huge',
      'event id 200k',
      'an event id of 200000 characters',
      APP,
      padded(appEvent({ id: PAD }), 'i', 200_000),
      ok,
    ),
    make(
      'huge',
      'visitor key 200k',
      'a visitor key of 200000 characters',
      APP,
      padded(appEvent({ anonymousId: PAD }), 'v', 200_000),
      ok,
    ),
  ];
}

/** Bodies over TAGLANE_MAX_BODY_BYTES (1 MiB): refused before anything reads them. */
export function oversizedCases(): HostileCase[] {
  const limit = 1_048_576;
  const head = `${JSON.stringify(appEvent()).slice(0, -1)},"pad":"`;
  const tail = '"}';
  const exact = limit - head.length - tail.length;
  return [
    make(
      'oversized',
      'one byte over',
      'a valid event of 1 MiB + 1 byte',
      APP,
      repeat(head, 'x', exact + 1, tail),
      tooLarge,
    ),
    make(
      'oversized',
      'exactly the limit',
      'a valid event of exactly 1 MiB',
      APP,
      repeat(head, 'x', exact, tail),
      ok,
    ),
    make('oversized', '2 MiB', 'a valid event of 2 MiB', APP, repeat(head, 'x', 2 * limit, tail), tooLarge),
    make('oversized', '8 MiB', 'a valid event of 8 MiB', APP, repeat(head, 'x', 8 * limit, tail), tooLarge),
    make(
      'oversized',
      'invalid json',
      '2 MiB that are not JSON',
      APP,
      repeat('', '{', 2 * limit, ''),
      tooLarge,
    ),
    make(
      'oversized',
      'without auth',
      '2 MiB without credentials: refused for size, no auth work done',
      { ...APP, auth: 'none' },
      repeat(head, 'x', 2 * limit, tail),
      tooLarge,
    ),
    make(
      'oversized',
      'wrong media type',
      '2 MiB declared as text/plain',
      APP,
      repeat(head, 'x', 2 * limit, tail),
      tooLarge,
      { 'content-type': 'text/plain' },
    ),
    make(
      'oversized',
      'stripe webhook',
      'a signed Stripe webhook of 2 MiB',
      STRIPE,
      repeat('{"id":"evt_big","type":"x","pad":"', 'x', 2 * limit, '"}'),
      tooLarge,
    ),
    make(
      'oversized',
      'event array',
      '400 events that together pass 1 MiB',
      APP,
      repeat('[', `${head}${'y'.repeat(3000)}${tail},`, 399, `${JSON.stringify(appEvent())}]`),
      tooLarge,
    ),
    make(
      'oversized',
      'multibyte',
      '1 MiB of 4-byte characters counted in bytes, not characters',
      HOSTILE,
      repeat(`${JSON.stringify(hostileEvent()).slice(0, -1)},"name":"`, '😀', limit / 4, '"}'),
      tooLarge,
    ),
    make(
      'oversized',
      'multibyte under',
      '300000 4-byte characters: under 1 MiB in characters, over in bytes',
      HOSTILE,
      repeat(`${JSON.stringify(hostileEvent()).slice(0, -1)},"pad":"`, '😀', 300_000, '"}'),
      tooLarge,
      JSON_TYPE,
    ),
  ];
}
