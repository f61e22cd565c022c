/**
 * The event time Segment records: the call time on the sender's clock, moved by the difference
 * between Taglane's clock and the sender's (`receivedAt - sentAt`), which is Segment's
 * `receivedAt - (sentAt - originalTimestamp)`. Without `sentAt` the call time is kept as sent;
 * without a call time the event happened when it was received.
 *
 * @example
 * // The sender's clock is 1 h behind: its 10:00 call sent at 10:05 and received at 11:05 is 11:00.
 * correctedTime({ call: t('10:00'), sentAt: t('10:05'), receivedAt: t('11:05') }); // t('11:00')
 */
export function correctedTime(times: {
  readonly call: number | undefined;
  readonly sentAt: number | undefined;
  readonly receivedAt: number;
}): number {
  if (times.call === undefined) return times.receivedAt;
  if (times.sentAt === undefined) return times.call;
  return times.receivedAt - (times.sentAt - times.call);
}

/** Unix milliseconds of an ISO-8601 date-time (what the SDKs send), or undefined when absent. */
export function parseTime(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return 'invalid';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 'invalid' : ms;
}
