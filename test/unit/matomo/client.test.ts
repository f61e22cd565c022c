import { describe, expect, it } from 'vitest';
import { bulkBody, classifyBulkResponse } from '../../../src/matomo/client.ts';
import {
  MatomoBulkFailedError,
  type MatomoError,
  MatomoPayloadTooLargeError,
  MatomoUnavailableError,
} from '../../../src/matomo/errors.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('classifyBulkResponse', () => {
  it('accepts a 200 whose tracked + invalid accounts for every request sent', () => {
    expect(classifyBulkResponse(200, '{"status":"success","tracked":2,"invalid":1}', 3)).toEqual({
      tracked: 2,
      invalid: 1,
      invalidIndices: undefined,
    });
    expect(
      classifyBulkResponse(200, '{"status":"success","tracked":2,"invalid":1,"invalid_indices":[1]}', 3)
        .invalidIndices,
    ).toEqual([1]);
  });

  it.each([429, 502, 503, 504, 400, 403])('treats HTTP %i as retryable', (status) => {
    const error = thrown(() => classifyBulkResponse(status, '', 1));
    expect(error).toBeInstanceOf(MatomoUnavailableError);
    expect((error as MatomoError).retryable).toBe(true);
    expect((error as MatomoUnavailableError).status).toBe(status);
  });

  it('treats a 500 as a rolled-back bulk to split, not to retry as is', () => {
    const error = thrown(() => classifyBulkResponse(500, '{"status":"error","tracked":3}', 4));
    expect(error).toBeInstanceOf(MatomoBulkFailedError);
    expect(error).toMatchObject({ retryable: false, splittable: true });
  });

  it('treats a 413 as a bulk to split', () => {
    expect(thrown(() => classifyBulkResponse(413, '', 4))).toBeInstanceOf(MatomoPayloadTooLargeError);
  });

  it.each([
    ['counts that do not add up', '{"status":"success","tracked":1,"invalid":0}'],
    ['debug output', 'Debug enabled - Input parameters: ...'],
    ['an empty 200', ''],
  ])('does not take %s as proof of delivery', (_, text) => {
    expect(thrown(() => classifyBulkResponse(200, text, 2))).toBeInstanceOf(MatomoUnavailableError);
  });
});

describe('bulkBody', () => {
  it('puts the token at the top level, once', () => {
    expect(JSON.parse(bulkBody(['?idsite=1&rec=1'], 'tok'))).toEqual({
      requests: ['?idsite=1&rec=1'],
      token_auth: 'tok',
    });
    expect(JSON.parse(bulkBody(['?a=1'], undefined))).toEqual({ requests: ['?a=1'] });
  });
});
