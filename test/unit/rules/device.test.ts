import { describe, expect, it } from 'vitest';
import { CTX, oneTrack } from './helpers.ts';

const VISITOR = `visitor:
  key: "{% userId ? userId : anonymousId %}"
  anonymousId: "{% anonymousId %}"
  ip: "{% context.ip %}"
  userAgent: "{% context.userAgent %}"
  language: "{% context.locale %}"
`;

const source = () => oneTrack('pageview: { url: "{% url %}" }', VISITOR);
const URL = 'https://www.example.com/';

describe('the visitor block: identity and device', () => {
  it("sends the person's IP, User-Agent and language as cip, ua and lang", async () => {
    const { requests } = await source().map(
      {
        url: URL,
        anonymousId: 'a1',
        context: { ip: ' 2001:db8::1 ', userAgent: 'Mozilla/5.0', locale: 'fr-FR' },
      },
      CTX,
    );
    expect(requests[0]?.params).toMatchObject({ cip: '2001:db8::1', ua: 'Mozilla/5.0', lang: 'fr-FR' });
    expect(requests[0]?.warnings).toBeUndefined();
  });

  it('links the anonymous id to the key when an event carries both, and not to itself', async () => {
    const both = await source().map({ url: URL, userId: 'u1', anonymousId: 'a1' }, CTX);
    expect(both.requests[0]?.visitor).toEqual({ key: 'u1', anonymousKey: 'a1' });
    const alone = await source().map({ url: URL, anonymousId: 'a1' }, CTX);
    expect(alone.requests[0]?.visitor).toEqual({ key: 'a1' });
  });

  it('drops an unusable IP or User-Agent with a warning and still records the event', async () => {
    const { requests } = await source().map(
      { url: URL, anonymousId: 'a1', context: { ip: '300.1.2.3', userAgent: 42, locale: '' } },
      CTX,
    );
    expect(requests).toHaveLength(1);
    expect(requests[0]?.params.cip).toBeUndefined();
    expect(requests[0]?.params.ua).toBeUndefined();
    expect(requests[0]?.params.lang).toBeUndefined();
    expect(requests[0]?.warnings).toEqual([
      { field: 'visitor.ip', message: 'dropped: expected an IPv4 or IPv6 address' },
      { field: 'visitor.userAgent', message: 'dropped: expected a string' },
    ]);
  });
});
