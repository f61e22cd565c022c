import { randomBytes } from 'node:crypto';
import { compileRuleSet, loadRuleSet, type RuleFileText, type RuleSet } from '../../src/rules/index.ts';

/**
 * Secret values for the shipped rule files and the signed test sources below, random per process
 * so no fixture or snapshot can hold one.
 */
export const ruleSecrets = {
  TAGLANE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
  SEGMENT_WRITE_KEY: randomBytes(16).toString('hex'),
  PADDLE_WEBHOOK_SECRET: `pdl_ntfset_${randomBytes(16).toString('hex')}`,
  LEMONSQUEEZY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SHOPIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SVIX_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  ACME_SECRET: randomBytes(16).toString('hex'),
};

/**
 * Sources for the two schemes the shipped rules do not use: `svix` (Standard Webhooks, signed
 * with `SVIX_SECRET`) and `acme` (the generic HMAC scheme, signed with `ACME_SECRET` over
 * `<X-Acme-Timestamp>.<body>`, sent as `X-Acme-Signature: sha256=<hex>`).
 */
export const signedTestSources: readonly RuleFileText[] = [
  {
    path: 'test/svix.yaml',
    text: `source: svix
auth: { standard-webhooks: { secret: SVIX_SECRET } }
site: 3
visitor: { key: '{% data.user %}' }
rules:
  - name: user created
    when: '{% type = "user.created" %}'
    track:
      - event: { category: Users, action: Created }
`,
  },
  {
    path: 'test/acme.yaml',
    text: `source: acme
auth: { hmac: { secret: ACME_SECRET, header: X-Acme-Signature, prefix: 'sha256=', timestampHeader: X-Acme-Timestamp } }
site: 4
visitor: { key: '{% customer %}' }
rules:
  - name: order placed
    when: '{% kind = "order" %}'
    track:
      - event: { category: Orders, action: Placed, value: '{% total %}' }
`,
  },
];

let shipped: Promise<RuleSet> | undefined;

/**
 * The shipped `rules/` directory (loaded once per test file) plus the signed test sources and
 * any `extra` sources, compiled fresh on each call.
 */
export async function shippedRulesWith(extra: readonly RuleFileText[] = []): Promise<RuleSet> {
  shipped ??= loadRuleSet('rules');
  const added = compileRuleSet([...extra, ...signedTestSources]);
  return { sources: new Map([...(await shipped).sources, ...added.sources]) };
}
