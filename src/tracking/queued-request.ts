import { z } from 'zod';

/**
 * The contract between ingest and the batcher: one Matomo tracking request waiting on the queue.
 *
 * Ingest produces these from rules; the batcher resolves the visitor, adds `cid`, orders them
 * by time and sends them in bulk. Every field is validated again when the batcher reads a
 * message, so a malformed message is dead-lettered with its reason instead of being sent.
 */
export const QueuedRequestSchema = z.strictObject({
  /** Format version, so a future change can be read side by side with this one. */
  v: z.literal(1),
  /** Deterministic id: sha256(source, event id, rule, index) as 32 hex chars. Dedupe key. */
  id: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex characters'),
  /** The rule file's `source` (and so the route) that produced this request. */
  source: z.string().min(1),
  /** The source event's identity (vendor delivery id, `id` field, or body hash). */
  eventId: z.string().min(1),
  /** Name of the rule that produced the request. */
  rule: z.string().min(1),
  /** Position of this request among all requests the event produced. */
  index: z.number().int().nonnegative(),
  /** Named Matomo destination; `default` is MATOMO_URL. */
  destination: z.string().min(1),
  /**
   * Matomo tracking parameters exactly as Matomo receives them, all string-valued:
   * always `idsite`, `rec=1`, `apiv=1`, `cdt` (unix seconds); never `cid` or `token_auth`
   * (the batcher adds `cid`, the token travels at the top level of the bulk), except that a
   * `passthrough` request carries what the browser's tracker sent, `cid` included.
   */
  params: z.record(z.string(), z.string()),
  visitor: z.strictObject({
    /** Identity the batcher maps to a stable 16-hex visitor id (stored only as an HMAC). */
    key: z.string().min(1),
    /** A browser visitor id (the `_pk_id` cookie's first part) to link `key` to. */
    browserId: z
      .string()
      .regex(/^[0-9a-fA-F]{16}$/, 'expected 16 hex characters')
      .optional(),
    /**
     * The anonymous key this person had before `key` (e.g. Segment's `anonymousId` beside a
     * `userId`): the batcher links both keys to one person.
     */
    anonymousKey: z.string().min(1).optional(),
  }),
  /**
   * A browser tracker's own request (`/matomo.php`): its params already hold `_id`/`cid`/`uid`
   * and `cip`, so the batcher sends them as they are, adding no `cid` or synthetic `cip`.
   */
  passthrough: z.literal(true).optional(),
  /** Event time in unix seconds; equals `params.cdt`. Used to order delivery. */
  time: z.number().int().nonnegative(),
  /** When ingest received the event, unix milliseconds. Second sort key. */
  receivedAt: z.number().int().nonnegative(),
  /**
   * Optional values the rules could not use and left out (or normalised), so the request went
   * out without them instead of the whole event being refused. Never holds the value itself.
   */
  warnings: z
    .array(z.strictObject({ field: z.string().min(1), message: z.string().min(1) }))
    .min(1)
    .optional(),
});

/** One optional value left out of (or normalised in) a request; see {@link QueuedRequestSchema}. */
export type RequestWarning = NonNullable<QueuedRequest['warnings']>[number];

/** One queued Matomo tracking request; see {@link QueuedRequestSchema}. */
export type QueuedRequest = z.infer<typeof QueuedRequestSchema>;
