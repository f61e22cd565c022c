import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The visitor HMAC key's secret name: the one secret the batcher creates itself. */
export const VISITOR_KEY_SECRET = 'TAGLANE_VISITOR_HMAC_KEY';

/**
 * What the stack needs of a secret. Narrower than `ISecret`, whose `secretFullArn` an imported
 * secret does not satisfy under `exactOptionalPropertyTypes`.
 */
export type SecretRef = Pick<ISecret, 'secretArn' | 'grantRead' | 'node'>;

/** Properties of {@link TaglaneSecrets}. */
export interface TaglaneSecretsProps {
  /** Every parameter's name starts with this (`/Taglane/`): `/Taglane/STRIPE_WEBHOOK_SECRET`. */
  readonly parameterPrefix: string;
  /** Secret names the rule files use in `auth:`, read by ingest. */
  readonly ingestNames: readonly string[];
  /**
   * Token secret NAME -> the destinations using it (from destinations.yaml), read by the batcher.
   * @default { MATOMO_TOKEN: ['default'] }
   */
  readonly destinationTokens?: ReadonlyMap<string, readonly string[]>;
  /** Existing Secrets Manager secret with `{"MATOMO_TOKEN": "..."}`, instead of its parameter. @default none */
  readonly matomoTokenSecretArn?: string | undefined;
  /** Existing Secrets Manager secret with the webhook secrets and API keys, instead of their parameters. @default none */
  readonly webhookSecretsArn?: string | undefined;
  /** Existing Secrets Manager secret with `{"TAGLANE_VISITOR_HMAC_KEY": "..."}`, instead of its parameter. @default none */
  readonly visitorKeySecretArn?: string | undefined;
}

/** Where one function reads its secrets, and the grant to read them. */
export interface FunctionSecrets {
  /** Secret names read from SecureString parameters (`MATOMO_TOKEN`). */
  readonly names: readonly string[];
  /** Their full parameter names: `TAGLANE_SECRET_PARAMETERS`. */
  readonly parameterNames: readonly string[];
  /** Imported Secrets Manager secrets: `TAGLANE_SECRET_ARNS`. */
  readonly importedSecrets: readonly SecretRef[];
}

/**
 * The secrets Taglane reads, one SSM Parameter Store SecureString parameter per secret name
 * (standard tier, encrypted with the AWS-managed `aws/ssm` key: no monthly cost, where a
 * Secrets Manager secret costs $0.40). CloudFormation cannot create SecureString parameters,
 * and values must never pass through a template anyway: operators create them with
 * `aws ssm put-parameter --type SecureString`, and the batcher creates the visitor HMAC key
 * itself on first use (never overwriting one). Each function may read exactly its own
 * parameters, by ARN; Secrets Manager secrets given by ARN are read instead where set.
 */
export class TaglaneSecrets extends Construct {
  /** Webhook secrets and API keys: ingest only. */
  public readonly ingest: FunctionSecrets;
  /** Matomo tokens and the visitor key: the batcher only. */
  public readonly batcher: FunctionSecrets;
  public readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: TaglaneSecretsProps) {
    super(scope, id);
    this.parameterPrefix = props.parameterPrefix;
    const tokens = [...(props.destinationTokens ?? new Map([['MATOMO_TOKEN', ['default']]])).keys()];
    const imported = (name: string, arn: string | undefined): SecretRef[] =>
      arn === undefined ? [] : [importSecret(this, name, arn)];
    const ingestImports = imported('WebhookSecrets', props.webhookSecretsArn);
    const tokenImports = tokens.includes('MATOMO_TOKEN')
      ? imported('MatomoToken', props.matomoTokenSecretArn)
      : [];
    const keyImports = imported('VisitorKey', props.visitorKeySecretArn);
    this.ingest = this.#secrets(ingestImports.length > 0 ? [] : props.ingestNames, ingestImports);
    this.batcher = this.#secrets(
      [
        ...tokens.filter((t) => t !== 'MATOMO_TOKEN' || tokenImports.length === 0),
        ...(keyImports.length > 0 ? [] : [VISITOR_KEY_SECRET]),
      ],
      [...tokenImports, ...keyImports],
    );
  }

  /** The parameter's full name: `/Taglane/MATOMO_TOKEN`. */
  parameterName(name: string): string {
    return `${this.parameterPrefix}${name}`;
  }

  /** The parameter's ARN, as IAM names it. */
  parameterArn(name: string): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: this.parameterName(name).replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets `grantee` read `secrets` (GetParameters on each parameter by ARN, GetSecretValue on
   * each imported secret) and, when `createsVisitorKey`, create the visitor key's parameter.
   * No KMS grant: the AWS-managed `aws/ssm` key lets every principal of the account decrypt
   * through Parameter Store, so the parameter grant is the access control.
   */
  grantRead(grantee: IGrantable, secrets: FunctionSecrets, createsVisitorKey = false): void {
    if (secrets.names.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ssm:GetParameters'],
          resources: secrets.names.map((n) => this.parameterArn(n)),
        }),
      );
    }
    if (createsVisitorKey && secrets.names.includes(VISITOR_KEY_SECRET)) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ssm:PutParameter'],
          resources: [this.parameterArn(VISITOR_KEY_SECRET)],
        }),
      );
    }
    for (const secret of secrets.importedSecrets) secret.grantRead(grantee);
  }

  /** The function's environment: `TAGLANE_SECRET_PARAMETERS` and `TAGLANE_SECRET_ARNS` where set. */
  environment(secrets: FunctionSecrets): Record<string, string> {
    return {
      ...(secrets.parameterNames.length > 0
        ? { TAGLANE_SECRET_PARAMETERS: secrets.parameterNames.join(',') }
        : {}),
      ...(secrets.importedSecrets.length > 0
        ? { TAGLANE_SECRET_ARNS: secrets.importedSecrets.map((s) => s.secretArn).join(',') }
        : {}),
    };
  }

  #secrets(names: readonly string[], importedSecrets: readonly SecretRef[]): FunctionSecrets {
    const sorted = [...new Set(names)].sort();
    return { names: sorted, parameterNames: sorted.map((n) => this.parameterName(n)), importedSecrets };
  }
}

/** A complete ARN ends in Secrets Manager's random 6-character suffix; grants differ. */
function importSecret(scope: Construct, id: string, arn: string): SecretRef {
  return /-[A-Za-z0-9]{6}$/.test(arn)
    ? Secret.fromSecretCompleteArn(scope, id, arn)
    : Secret.fromSecretPartialArn(scope, id, arn);
}

/** `MATOMO_EU_TOKEN` -> `MatomoEuToken`: a construct id or output name derived from a secret name. */
export function tokenSecretId(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}
