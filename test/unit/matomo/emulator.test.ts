import { describe, expect, it } from 'vitest';
import {
  type EmulatorConfig,
  emptyEmulatorState,
  emulateBulk,
  parseBulkBody,
  parseCdt,
} from '../../../src/matomo/emulator.ts';

const NOW = 1_764_000_000;
const config: EmulatorConfig = {
  sites: [1, 2],
  goals: { 1: [3] },
  superUserTokens: ['super'],
  writeTokens: ['write'],
  now: NOW,
};

function bulk(requests: string[], token?: string): string {
  return JSON.stringify(token === undefined ? { requests } : { requests, token_auth: token });
}

function run(body: string, cfg: EmulatorConfig = config) {
  return emulateBulk(parseBulkBody(body), cfg, emptyEmulatorState());
}

describe('parseBulkBody', () => {
  it('reads query-string and object entries and the top-level token', () => {
    const parsed = parseBulkBody(
      JSON.stringify({ requests: ['?idsite=1&rec=1&e_c=a%20b', { idsite: 2, rec: 1 }], token_auth: 't' }),
    );
    expect(parsed.requests).toEqual([
      { idsite: '1', rec: '1', e_c: 'a b' },
      { idsite: '2', rec: '1' },
    ]);
    expect(parsed.tokenAuth).toBe('t');
  });

  it('treats invalid JSON and a body without the word requests as an empty bulk', () => {
    expect(parseBulkBody('{"requests": [').requests).toEqual([]);
    expect(parseBulkBody('{"other": ["?idsite=1"]}').requests).toEqual([]);
    expect(run('not json').response).toEqual({ status: 'success', tracked: 0, invalid: 0 });
  });
});

describe('emulateBulk', () => {
  const good = `?idsite=1&rec=1&cid=0123456789abcdef&cdt=${NOW - 60}`;

  it('counts invalid requests and continues, with invalid_indices only for a super user', () => {
    const requests = [good, '?idsite=9&rec=1', '?idsite=1&rec=1&cid=xyz'];
    const write = run(bulk(requests, 'write'));
    expect(write.status).toBe(200);
    expect(write.response).toEqual({ status: 'success', tracked: 1, invalid: 2 });
    const superUser = run(bulk(requests, 'super'));
    expect(superUser.response).toEqual({
      status: 'success',
      tracked: 1,
      invalid: 2,
      invalid_indices: [1, 2],
    });
    expect(superUser.outcomes.map((o) => o.kind)).toEqual(['recorded', 'invalid', 'invalid']);
  });

  it('rejects a cdt 24 hours old without a token and accepts it with one', () => {
    const old = `?idsite=1&rec=1&cdt=${NOW - 86_400}`;
    expect(run(bulk([old])).outcomes[0]).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/cdt/),
    });
    expect(run(bulk([old], 'write')).outcomes[0]?.kind).toBe('recorded');
  });

  it('rejects cip without a token, unknown goals and duplicate order ids', () => {
    const requests = ['?idsite=1&rec=1&cip=1.2.3.4', '?idsite=1&rec=1&idgoal=4', '?idsite=1&rec=1&idgoal=3'];
    expect(run(bulk(requests)).outcomes.map((o) => o.kind)).toEqual(['invalid', 'invalid', 'recorded']);
    const order = '?idsite=1&rec=1&idgoal=0&ec_id=A1&revenue=5';
    const first = run(bulk([order, order]));
    expect(first.outcomes.map((o) => o.kind)).toEqual(['recorded', 'invalid']);
    const again = emulateBulk(parseBulkBody(bulk([order])), config, first.state);
    expect(again.outcomes[0]?.kind).toBe('invalid');
  });

  it('aborts and rolls back the whole bulk with a 500 on an unhandled ca=1', () => {
    const order = '?idsite=1&rec=1&idgoal=0&ec_id=B2&revenue=5';
    for (const poison of [
      '?idsite=1&rec=1&ca=1&cra=boom',
      '?idsite=1&rec=1&ca=1&e_a=x',
      '?idsite=1&rec=1&ca=1&ping=1&e_c=a&e_a=b',
    ]) {
      const result = run(bulk([order, poison, good]));
      expect(result.status).toBe(500);
      expect(result.response).toMatchObject({ status: 'error', tracked: 1 });
      expect(result.state.orders.size).toBe(0);
      expect(result.outcomes.at(-1)?.kind).toBe('poison');
    }
  });

  it('accepts crash requests when the Crash Analytics plugin is installed', () => {
    const result = run(bulk(['?idsite=1&rec=1&ca=1&cra=boom']), { ...config, crashPlugin: true });
    expect(result.status).toBe(200);
    expect(result.outcomes[0]?.kind).toBe('recorded');
  });

  it('counts requests without rec=1 as tracked without recording them', () => {
    const result = run(bulk(['?idsite=1']));
    expect(result.response).toEqual({ status: 'success', tracked: 1, invalid: 0 });
    expect(result.outcomes[0]?.kind).toBe('excluded');
  });

  it('answers a bare 204 to send_image=0 at the top level', () => {
    const result = run(JSON.stringify({ requests: [good], send_image: 0 }));
    expect(result.status).toBe(204);
    expect(result.response).toBeUndefined();
  });
});

describe('parseCdt', () => {
  it('replaces future, millisecond and unparsable times with the server time', () => {
    expect(parseCdt(String(NOW - 10), NOW)).toBe(NOW - 10);
    expect(parseCdt(String((NOW - 10) * 1000), NOW)).toBe(NOW);
    expect(parseCdt('yesterday-ish', NOW)).toBe(NOW);
    expect(parseCdt(new Date((NOW - 3600) * 1000).toISOString(), NOW)).toBe(NOW - 3600);
  });
});
