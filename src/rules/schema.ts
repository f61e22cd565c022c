import { z } from 'zod';
import { exampleGivenProblem } from './example-path.ts';
import { Destination, Site } from './schema-targets.ts';
import { Expression, ParamValue, Track } from './schema-tracks.ts';

const SecretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'expected a secret NAME like STRIPE_WEBHOOK_SECRET (never the value)');

const Tolerance = z
  .number()
  .int('expected whole seconds')
  .positive('expected a tolerance > 0 seconds')
  .meta({ description: 'Maximum signature age in seconds.' });

const HmacSchema = z
  .strictObject({
    secret: SecretName.optional(),
    secrets: z
      .array(SecretName)
      .min(1, 'expected at least one secret name')
      .optional()
      .meta({ description: 'Several active secrets (rotation): a signature made with any passes.' }),
    header: z.string().min(1).meta({ description: 'The header holding the signature.' }),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).optional(),
    encoding: z.enum(['hex', 'base64']).optional(),
    prefix: z.string().optional().meta({ description: 'Text before each signature value, e.g. v0=.' }),
    timestampHeader: z.string().min(1).optional(),
    parse: z
      .strictObject({
        separator: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'Between key=value pairs; default ",".' }),
        timestamp: z.string().min(1).optional().meta({ description: 'Key of the timestamp, e.g. ts.' }),
        signature: z.string().min(1).meta({ description: 'Key of a signature, e.g. h1.' }),
      })
      .optional()
      .meta({ description: 'Read the header as key=value pairs, like ts=...;h1=...' }),
    signed: z
      .string()
      .regex(/\{body\}/, 'expected a template containing {body}')
      .regex(/^(?:[^{}]|\{body\}|\{timestamp\})*$/, 'expected only {body} and {timestamp} between braces')
      .optional()
      .meta({
        description: 'The signed bytes, e.g. "v0:{timestamp}:{body}"; default {body} or {timestamp}.{body}.',
      }),
    tolerance: Tolerance.optional(),
  })
  .superRefine((h, ctx) => {
    if ((h.secret === undefined) === (h.secrets === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of secret or secrets' });
    }
    if (h.timestampHeader !== undefined && h.parse?.timestamp !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected the timestamp in timestampHeader or parse.timestamp, not both',
      });
    }
    const timed = h.timestampHeader !== undefined || h.parse?.timestamp !== undefined;
    if (h.signed?.includes('{timestamp}') && !timed) {
      ctx.addIssue({
        code: 'custom',
        path: ['signed'],
        message: '{timestamp} needs timestampHeader or parse.timestamp',
      });
    }
  });

/** The authentication schemes; exactly one is set per file. */
export const AuthSchema = z
  .strictObject({
    stripe: z.strictObject({ secret: SecretName, tolerance: Tolerance.optional() }),
    github: z.strictObject({ secret: SecretName }),
    shopify: z.strictObject({ secret: SecretName }),
    'standard-webhooks': z.strictObject({ secret: SecretName, tolerance: Tolerance.optional() }),
    hmac: HmacSchema,
    'api-key': z.strictObject({ secrets: z.array(SecretName).min(1, 'expected at least one secret name') }),
    segment: z
      .strictObject({ secrets: z.array(SecretName).min(1, 'expected at least one write key secret name') })
      .meta({ description: "Segment's HTTP API at POST /v1/*: the write key is the Basic-auth user name." }),
  })
  .partial()
  .superRefine((auth, ctx) => {
    const keys = Object.keys(auth);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one auth scheme (stripe, github, shopify, standard-webhooks, hmac, api-key, segment), got ${keys.length}`,
      });
    }
  })
  .meta({ minProperties: 1, maxProperties: 1 });

const Expect = z.array(
  z.record(z.string(), z.union([ParamValue, z.null()])).meta({
    description: 'Expected Matomo parameters of one request (subset match); null means absent.',
  }),
);

const Example = z
  .strictObject({
    given: z
      .string()
      .min(1)
      .superRefine((given, ctx) => {
        const problem = exampleGivenProblem(given);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({ description: 'Event JSON file, relative to the rule file and inside its directory.' }),
    expect: Expect.optional(),
    error: z.string().min(1).optional().meta({ description: 'Expected substring of the rule error.' }),
  })
  .superRefine((ex, ctx) => {
    if ((ex.expect === undefined) === (ex.error === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'an example needs exactly one of expect or error' });
    }
  });

const Rule = z.strictObject({
  name: z.string().trim().min(1, 'expected a non-empty rule name'),
  when: Expression.optional().meta({ description: 'Condition; absent means always.' }),
  destination: Destination.optional(),
  site: Site.optional(),
  track: z.array(Track).min(1, 'expected at least one track item'),
  examples: z.array(Example).optional(),
});

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The whole rule file, strict: unknown keys are errors. */
export const RuleFileSchema = z
  .strictObject({
    source: z
      .string()
      .regex(NAME, 'expected a lowercase name of letters, digits, _ and -')
      .meta({ description: 'Source name: POST /webhooks/NAME (api-key: POST /events?source=NAME).' }),
    auth: AuthSchema,
    site: Site,
    destination: Destination.optional(),
    id: Expression.optional().meta({ description: "Event identity; default: the event's id field." }),
    challenge: Expression.optional().meta({
      description:
        'A webhook URL check (e.g. Slack url_verification): when it gives a string, the verified request is answered 200 {"challenge": value} and nothing is queued.',
    }),
    time: Expression.optional().meta({
      description: 'Event time (unix s, ms or ISO-8601); default: received.',
    }),
    visitor: z
      .strictObject({
        key: Expression.optional().meta({ description: 'Identity mapped to a stable visitor id.' }),
        browserId: Expression.optional().meta({ description: '16-hex browser visitor id (_pk_id) to link.' }),
        anonymousId: Expression.optional().meta({
          description: 'The anonymous key the person had before `key`; an event with both links them.',
        }),
        ip: Expression.optional().meta({ description: "The person's IP address -> cip (needs the token)." }),
        userAgent: Expression.optional().meta({ description: "The person's User-Agent -> ua." }),
        language: Expression.optional().meta({ description: "The person's Accept-Language -> lang." }),
      })
      .optional(),
    rules: z.array(Rule),
  })
  .meta({ title: 'Taglane rule file' });

/** A rule file after schema validation. */
export type RuleFile = z.infer<typeof RuleFileSchema>;
/** One rule of a rule file. */
export type RuleInput = RuleFile['rules'][number];
/** One example of a rule. */
export type ExampleInput = NonNullable<RuleInput['examples']>[number];
