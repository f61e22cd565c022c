import { planRetry, type RetryPolicy } from './backoff.ts';
import type { BatchItem, QueueMessage } from './parse.ts';
import type { BatcherLog, DeadLetter, RetryDelay, RetryScheduler } from './ports.ts';

/** The retried messages of a batch: when each comes back, and those that would outlive the queue. */
export interface RetryPlans {
  readonly delays: readonly RetryDelay[];
  /** Dead letters (`expired`) for messages the queue would delete before their next receive. */
  readonly expired: readonly DeadLetter[];
}

/**
 * Plans the retry of every message of `items` by its receive count (see {@link planRetry}).
 * Without a policy nothing is planned: the queue's visibility timeout applies as it is.
 */
export function planRetries(
  items: readonly BatchItem[],
  messages: ReadonlyMap<string, QueueMessage>,
  nowMs: number,
  policy: RetryPolicy | undefined,
): RetryPlans {
  const delays: RetryDelay[] = [];
  const expired: DeadLetter[] = [];
  if (policy === undefined) return { delays, expired };
  for (const item of items) {
    for (const messageId of item.messageIds) {
      const message = messages.get(messageId);
      if (message === undefined) continue;
      const plan = planRetry(
        { receiveCount: message.receiveCount ?? 1, sentAtMs: message.sentAtMs },
        nowMs,
        policy,
      );
      if (plan.kind === 'expire') {
        expired.push({ messageId, reason: 'expired', detail: plan.detail, body: item.body });
      } else if (message.receiptHandle !== undefined) {
        delays.push({ messageId, receiptHandle: message.receiptHandle, seconds: plan.seconds });
      }
    }
  }
  return { delays, expired };
}

/**
 * Applies the delays of the messages that are really retried. A delay that cannot be set is
 * logged, not fatal: the message then comes back after the visibility timeout, earlier than
 * planned but never lost.
 */
export async function applyDelays(
  delays: readonly RetryDelay[],
  retried: ReadonlySet<string>,
  scheduler: RetryScheduler | undefined,
  log: BatcherLog | undefined,
): Promise<void> {
  const wanted = delays.filter((d) => retried.has(d.messageId));
  if (scheduler === undefined || wanted.length === 0) return;
  const failed = await scheduler.delay(wanted).catch(() => new Set(wanted.map((d) => d.messageId)));
  if (failed.size > 0) {
    log?.warn('could not delay retried messages; they come back after the visibility timeout', {
      count: failed.size,
    });
  }
}
