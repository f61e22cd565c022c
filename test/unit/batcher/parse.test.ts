import { describe, expect, it } from 'vitest';
import { parseMessages } from '../../../src/batcher/parse.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';

const valid: QueuedRequest = {
  v: 1,
  id: 'a'.repeat(32),
  source: 'stripe',
  eventId: 'evt_1',
  rule: 'paid',
  index: 0,
  destination: 'default',
  params: { idsite: '1', rec: '1', apiv: '1', cdt: '1764000000' },
  visitor: { key: 'cus_1' },
  time: 1_764_000_000,
  receivedAt: 1_764_000_000_500,
};

describe('parseMessages', () => {
  it('keeps valid requests and merges messages that carry the same request', () => {
    const body = JSON.stringify(valid);
    const { items, malformed } = parseMessages([
      { messageId: 'm1', body },
      { messageId: 'm2', body },
    ]);
    expect(malformed).toEqual([]);
    expect(items).toHaveLength(1);
    expect(items[0]?.messageIds).toEqual(['m1', 'm2']);
  });

  it('dead-letters bodies that are not JSON or break the contract, naming every problem', () => {
    const broken = { ...valid, v: 2, visitor: { key: 'k', browserId: 'nope' } };
    const { items, malformed } = parseMessages([
      { messageId: 'json', body: '{' },
      { messageId: 'shape', body: JSON.stringify(broken) },
    ]);
    expect(items).toEqual([]);
    expect(malformed.map((l) => [l.messageId, l.reason])).toEqual([
      ['json', 'malformed'],
      ['shape', 'malformed'],
    ]);
    expect(malformed[0]?.detail).toMatch(/^body is not JSON/);
    expect(malformed[1]?.detail).toMatch(/^v: .*; visitor\.browserId: expected 16 hex characters$/);
    expect(malformed[1]?.body).toBe(JSON.stringify(broken));
  });

  it('reads a dead letter moved back unchanged as the request it carries', () => {
    const body = JSON.stringify(valid);
    const letter = JSON.stringify({
      messageId: 'old',
      reason: 'rejected',
      detail: 'Matomo answered 500',
      body,
    });
    const { items, malformed } = parseMessages([
      { messageId: 'moved', body: letter },
      { messageId: 'plain', body },
    ]);
    expect(malformed).toEqual([]);
    expect(items).toHaveLength(1);
    expect(items[0]?.request).toEqual(valid);
    expect(items[0]?.messageIds).toEqual(['moved', 'plain']);
    expect(items[0]?.body).toBe(body);
  });

  it('dead-letters a broken envelope with the envelope problems and its body unchanged', () => {
    const letter = JSON.stringify({ messageId: 'old', reason: 'invalid', body: 42, extra: true });
    const { items, malformed } = parseMessages([{ messageId: 'm', body: letter }]);
    expect(items).toEqual([]);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.detail).toMatch(/^dead-letter envelope: .*detail: .*body: .*extra/);
    expect(malformed[0]?.body).toBe(letter);
  });

  it('dead-letters an envelope whose request is malformed with the request alone, so letters never nest', () => {
    const inner = JSON.stringify({ ...valid, id: 'short' });
    const letters = [
      JSON.stringify({ messageId: 'a', reason: 'malformed', detail: 'x', body: inner }),
      JSON.stringify({ messageId: 'b', reason: 'malformed', detail: 'x', body: 'not json' }),
    ];
    const { items, malformed } = parseMessages(letters.map((body, i) => ({ messageId: `m${i}`, body })));
    expect(items).toEqual([]);
    expect(malformed.map((l) => l.detail)).toEqual([
      'in a dead letter (was malformed): id: expected 32 lowercase hex characters',
      expect.stringMatching(/^in a dead letter \(was malformed\): body is not JSON/),
    ]);
    expect(malformed.map((l) => l.body)).toEqual([inner, 'not json']);
  });
});
