import { afterEach, describe, expect, it } from 'vitest';
import { type Inspector, startInspector } from '../../../src/local/inspector.ts';

const inspectors: Inspector[] = [];
afterEach(async () => {
  for (const inspector of inspectors.splice(0)) await inspector.close();
});

async function inspector(token: string | undefined) {
  const lines: string[] = [];
  const started = await startInspector({ token, print: (line) => lines.push(line) });
  inspectors.push(started);
  return { started, lines };
}

async function bulk(url: string, body: unknown) {
  const res = await fetch(`${url}/matomo.php`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const now = Math.floor(Date.now() / 1000);

describe('the local Matomo inspector', () => {
  it('answers a bulk like Matomo and prints each request readably', async () => {
    const { started, lines } = await inspector('tok');
    const answer = await bulk(started.url, {
      token_auth: 'tok',
      requests: [
        `?idsite=1&rec=1&cid=0123456789abcdef&cdt=${now}&e_c=Billing&e_a=Refund&e_v=20`,
        `?idsite=1&rec=1&cid=0123456789abcdef&cdt=${now}&idgoal=0&ec_id=o1&revenue=12.5`,
        `?idsite=1&rec=1&cid=0123456789abcdef&cdt=${now}&idgoal=0&ec_id=o1&revenue=12.5`,
      ],
    });
    expect(answer).toEqual({
      status: 200,
      json: { status: 'success', tracked: 2, invalid: 1, invalid_indices: [2] },
    });
    expect(lines[0]).toMatch(
      /^matomo <- site 1 {2}cid 0123456789abcdef {2}event .* e_c=Billing e_a=Refund e_v=20$/,
    );
    expect(lines[1]).toContain('order');
    expect(lines[1]).toContain('ec_id=o1 revenue=12.5');
    expect(lines[2]).toContain('invalid (duplicate ec_id "o1" for site 1)');
    const requests = started.requests();
    expect(requests.map((r) => [r.kind, r.outcome])).toEqual([
      ['event', 'recorded'],
      ['order', 'recorded'],
      ['order', 'invalid'],
    ]);
    expect(requests[0]?.params.e_a).toBe('Refund');
  });

  it('rejects old event times without the token, as Matomo does', async () => {
    const { started, lines } = await inspector('tok');
    const answer = await bulk(started.url, { requests: [`?idsite=1&rec=1&cdt=${now - 3 * 86_400}&url=x`] });
    expect(answer.json).toMatchObject({ tracked: 0, invalid: 1 });
    expect(lines[0]).toContain('requires a token');
  });

  it('accepts only POST /matomo.php', async () => {
    const { started } = await inspector(undefined);
    expect((await fetch(`${started.url}/matomo.php`)).status).toBe(404);
    expect((await fetch(`${started.url}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
