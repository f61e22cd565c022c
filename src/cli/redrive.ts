import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { CliInputError } from './errors.ts';
import { describeFailure } from './failure.ts';
import type { CliIo, ExitCode } from './io.ts';

/** Flags of `taglane redrive`, after commander applied the environment. */
export interface RedriveFlags {
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly reason?: string[];
  readonly max?: string;
  readonly dryRun?: boolean;
  readonly native?: boolean;
}

/**
 * Moves dead-lettered requests back to the queue, after the cause was fixed (a goal created
 * in Matomo, the Crash Analytics plugin installed, an outage over). Prints what moved, per
 * reason; exit 1 when some letters could not be moved (they stay on the dead-letter queue).
 */
export async function redriveCommand(flags: RedriveFlags, io: CliIo): Promise<ExitCode> {
  try {
    const queueUrl = required(flags.queueUrl, '--queue-url (or TAGLANE_QUEUE_URL)');
    const dlqUrl = required(flags.dlqUrl, '--dlq-url (or TAGLANE_DLQ_URL)');
    if (sameQueue(queueUrl, dlqUrl)) {
      // Every letter sent back would be received again at once: the journal grew 90 MB in 15 s.
      throw new CliInputError(
        `--queue-url and --dlq-url name the same queue (${dlqUrl}): redriving a queue into itself never ends; give the dead-letter queue as --dlq-url`,
      );
    }
    const max = flags.max === undefined ? undefined : Number(flags.max);
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      throw new CliInputError(`--max must be a positive integer, got ${JSON.stringify(flags.max)}`);
    }
    // Loaded here, not at start-up, so validate/test/preview do not pay for the AWS SDK.
    const { nativeRedrive, redriveDeadLetters } = await import('../adapters/sqs-redrive.ts');
    const client = await sqsClient(flags);
    try {
      if (flags.native) {
        const moved = await nativeRedrive(client, dlqUrl, queueUrl);
        io.out(`moved ${moved} message(s) back with StartMessageMoveTask, unchanged`);
        return 0;
      }
      const report = await redriveDeadLetters({
        client,
        deadLetterQueueUrl: dlqUrl,
        queueUrl,
        ...(flags.reason && flags.reason.length > 0 ? { reasons: flags.reason } : {}),
        ...(max === undefined ? {} : { max }),
        dryRun: flags.dryRun === true,
      });
      const reasons = Object.entries(report.byReason)
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ');
      const verb = flags.dryRun ? 'would move' : 'moved';
      io.out(`${verb} ${report.moved} dead letter(s) back to the queue${reasons ? ` (${reasons})` : ''}`);
      if (report.skipped > 0 && !flags.dryRun)
        io.out(`left ${report.skipped} with other reasons where they were`);
      if (report.failed > 0) {
        io.err(`error: ${report.failed} letter(s) could not be sent back and stay on the dead-letter queue`);
        return 1;
      }
      return 0;
    } finally {
      client.destroy();
    }
  } catch (error) {
    if (error instanceof CliInputError) return describeFailure(error, io);
    // An AWS error (unknown queue, no permission, unreachable endpoint): its name says which.
    io.err(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

/**
 * Whether two SQS queue URLs name the same queue. A dead-letter queue lives in the account and
 * region of its source queue, so the same `/account/name` path is the same queue even when the
 * hosts are spelled differently (`localhost` and `127.0.0.1`, a VPC endpoint).
 */
export function sameQueue(a: string, b: string): boolean {
  const path = (url: string): string => {
    try {
      return new URL(url).pathname.replace(/\/+$/, '');
    } catch {
      return url.trim().replace(/\/+$/, '');
    }
  };
  return path(a) === path(b);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliInputError(`${what} is required`);
  return value;
}

/** An SQS client; with an explicit endpoint (the local runtime) dummy credentials suffice. */
async function sqsClient(flags: RedriveFlags): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const local = flags.endpoint !== undefined && process.env.AWS_ACCESS_KEY_ID === undefined;
  return new SQSClient({
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : flags.endpoint ? { region: 'us-east-1' } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

/** Registers `redrive` on the program; the exit code goes to `setExit`. */
export function registerRedriveCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command('redrive')
    .description('Move dead-lettered tracking requests back to the queue once the cause is fixed')
    .option(
      '--queue-url <url>',
      'the tracking request queue (env TAGLANE_QUEUE_URL)',
      process.env.TAGLANE_QUEUE_URL,
    )
    .option('--dlq-url <url>', 'its dead-letter queue (env TAGLANE_DLQ_URL)', process.env.TAGLANE_DLQ_URL)
    .option('--endpoint <url>', 'SQS endpoint, e.g. a local SQS (env AWS_ENDPOINT_URL_SQS)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option(
      '--reason <reason...>',
      'only letters with these reasons (invalid, rejected, retries-exhausted, ...)',
    )
    .option('--max <n>', 'move at most n letters')
    .option('--dry-run', 'count what would move, move nothing', false)
    .option(
      '--native',
      "use SQS's StartMessageMoveTask: moves everything unchanged, no --reason filter (the batcher unwraps its own letters)",
      false,
    )
    .action(async (flags: RedriveFlags) => {
      setExit(await redriveCommand(flags, io));
    });
}
