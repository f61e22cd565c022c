import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Forgotten } from '../adapters/dynamodb-forget.ts';
import { hashVisitorKey } from '../identity/matomo-ids.ts';
import { EnvSecretSource, type SecretSource } from '../secrets/secrets.ts';
import { CliInputError } from './errors.ts';
import { describeFailure } from './failure.ts';
import type { CliIo, ExitCode } from './io.ts';

/** Flags of `taglane forget`. */
export interface ForgetFlags {
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly dataDir?: string;
}

const KEY_SECRET = 'TAGLANE_VISITOR_HMAC_KEY';

/**
 * Erases the visitor mapping of one person (the key rules put in `visitor.key`: a customer
 * id, an email). On AWS it deletes from TAGLANE_TABLE_NAME with the HMAC key from the
 * environment, Parameter Store (TAGLANE_SECRET_PARAMETERS) or Secrets Manager; with `--data-dir` it opens the data of a stopped
 * `taglane serve`. The key itself is never printed.
 */
export async function forgetCommand(key: string, flags: ForgetFlags, io: CliIo): Promise<ExitCode> {
  try {
    if (key.trim() === '') throw new CliInputError('the visitor key is empty');
    const { forgotten, dropped } =
      flags.dataDir === undefined
        ? { forgotten: await forgetOnAws(key, flags), dropped: 0 }
        : await forgetLocally(key, flags.dataDir);
    io.out(
      forgotten === undefined
        ? 'no visitor mapping for this key: nothing to forget'
        : `forgot visitor ${forgotten.visitorIds.join(', ')}` +
            `${forgotten.keys === 1 ? '' : ` (${forgotten.keys} linked keys)`}: later events get a new visitor id. ` +
            'What Matomo recorded stays there; erase it with Matomo’s GDPR tools (visitor ids above).',
    );
    if (dropped > 0) {
      io.out(
        `dropped ${dropped} queued request(s) of this person from the queue journal; they were never delivered to Matomo`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof CliInputError) return describeFailure(error, io);
    io.err(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

async function forgetOnAws(key: string, flags: ForgetFlags): Promise<Forgotten | undefined> {
  const tableName = flags.table ?? process.env.TAGLANE_TABLE_NAME;
  if (!tableName) throw new CliInputError('--table (or TAGLANE_TABLE_NAME) is required');
  const secret = await (await secretSource()).get(KEY_SECRET);
  if (secret === undefined) throw new CliInputError(`the secret ${KEY_SECRET} is not configured`);
  // The AWS SDK is loaded only when needed, so validate/test/preview start fast.
  const [{ DynamoDBClient }, { forgetVisitor }, { sdkDynamoDb }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../adapters/dynamodb-forget.ts'),
    import('../adapters/dynamodb-sdk.ts'),
  ]);
  const local = flags.endpoint !== undefined && process.env.AWS_ACCESS_KEY_ID === undefined;
  const client = new DynamoDBClient({
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : flags.endpoint ? { region: 'us-east-1' } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  try {
    return await forgetVisitor({
      client: sdkDynamoDb(client),
      tableName,
      keyHash: hashVisitorKey(key, secret),
    });
  } finally {
    client.destroy();
  }
}

async function secretSource(): Promise<SecretSource> {
  // Imported on demand: the other commands never load the AWS SDK's clients. The SDK's, not
  // aws-lite's: an operator's credentials may come from a profile or SSO.
  const { awsSecrets, secretLocationsFromEnv } = await import('../adapters/secret-sources.ts');
  const locations = secretLocationsFromEnv(process.env);
  if (locations.parameterNames.length === 0 && locations.secretArns.length === 0)
    return new EnvSecretSource();
  const { sdkParameterStore, sdkSecretsManager } = await import('../adapters/aws-sdk-secrets.ts');
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const clients = {
    parameterStore: sdkParameterStore(new SSMClient({})),
    secretsManager: sdkSecretsManager(new SecretsManagerClient({})),
  };
  return awsSecrets(locations, clients)?.source ?? new EnvSecretSource();
}

/**
 * The data directory of `taglane serve`: its DynamoDB files, its visitor-key file and its
 * queue journal, which holds queued requests with their raw visitor keys.
 */
async function forgetLocally(
  key: string,
  dataDir: string,
): Promise<{ forgotten: Forgotten | undefined; dropped: number }> {
  // A typo must not pass for "nothing to forget" (and leave a new empty directory behind).
  const info = await stat(dataDir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliInputError(
      `the data directory "${dataDir}" does not exist: give the --data-dir of taglane serve`,
    );
  }
  // Nor may an existing directory serve never used (`--data-dir .`) get a table and a lock file.
  const dynamodb = await stat(join(dataDir, 'dynamodb')).catch(() => undefined);
  if (!dynamodb?.isDirectory()) {
    throw new CliInputError(
      `"${dataDir}" is not a data directory of taglane serve (it has no dynamodb/ folder)`,
    );
  }
  const secret = process.env[KEY_SECRET] || (await storedKey(dataDir));
  const [{ startLocalAws }, { forgetVisitor }, { lockDataDir }, { forgetInJournal }] = await Promise.all([
    import('../local/aws-local.ts'),
    import('../adapters/dynamodb-forget.ts'),
    import('../local/data-dir-lock.ts'),
    import('../local/journal-forget.ts'),
  ]);
  // dynalite crashes on a LevelDB another process holds: refuse while serve runs, with a message.
  const release = await lockDataDir(dataDir);
  try {
    const aws = await startLocalAws({ dataDir, visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });
    let forgotten: Forgotten | undefined;
    try {
      // A data dir serve never used gets a new table: startLocalAws waits until it is ACTIVE.
      forgotten = await forgetVisitor({
        client: aws.dynamodb,
        tableName: aws.tableName,
        keyHash: hashVisitorKey(key, secret),
      });
    } finally {
      await aws.close();
    }
    // After the mapping, so requests are never dropped by a run that then fails without saying so.
    // Every linked key of the person goes: the journal holds raw keys, the store their hashes.
    const erased = new Set(forgotten?.hashes ?? []);
    const dropped = await forgetInJournal(
      join(dataDir, 'queue.journal'),
      (k) => k === key || erased.has(hashVisitorKey(k, secret)),
    );
    return { forgotten, dropped };
  } finally {
    await release();
  }
}

async function storedKey(dataDir: string): Promise<string> {
  try {
    return (await readFile(join(dataDir, 'visitor-hmac-key'), 'utf8')).trim();
  } catch {
    throw new CliInputError(`${dataDir} holds no visitor key: taglane serve never stored a visitor there`);
  }
}

/** Registers `forget` on the program; the exit code goes to `setExit`. */
export function registerForgetCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command('forget')
    .description("Erase a person's visitor mapping (right to erasure)")
    .argument('<key>', 'the visitor key the rules produce for the person (customer id, email, ...)')
    .option('--table <name>', 'the DynamoDB table (env TAGLANE_TABLE_NAME)')
    .option('--endpoint <url>', 'DynamoDB endpoint (env AWS_ENDPOINT_URL_DYNAMODB)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option('--data-dir <dir>', 'the data directory of a stopped taglane serve, instead of AWS')
    .action(async (key: string, flags: ForgetFlags) => {
      setExit(await forgetCommand(key, flags, io));
    });
}
