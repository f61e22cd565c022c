import { createHash, createHmac } from 'node:crypto';

/** Long-term or temporary AWS credentials, as Lambda puts them in the environment. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Set for temporary credentials (a Lambda role's always are). */
  readonly sessionToken?: string | undefined;
}

/** The parts of an HTTP request that Signature Version 4 covers. */
export interface SignableRequest {
  readonly method: string;
  /** The path as sent (`/` for the JSON protocols); the signer encodes it once more, as SigV4 wants. */
  readonly path: string;
  /** Query parameters, decoded. @default none */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers to sign, `host` included; names in any case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** Who signs, for which service and region, and when. */
export interface SigningContext {
  readonly credentials: AwsCredentials;
  /** The signing name: `sqs`, `ssm`, `secretsmanager`. */
  readonly service: string;
  readonly region: string;
  readonly date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
// The SDK's own list (@smithy/signature-v4): headers a proxy may rewrite are never signed.
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/**
 * Signs `request` with AWS Signature Version 4 (HMAC-SHA256) and returns the headers to add:
 * `x-amz-date`, `x-amz-security-token` with temporary credentials, and `authorization`. The
 * result is byte-identical to the AWS SDK's signer (`@smithy/signature-v4` without payload
 * checksum header, which only S3 needs); test/unit/aws-lite/sigv4.test.ts checks that.
 *
 * @example
 * const added = signRequest(
 *   { method: 'POST', path: '/', headers: { host: 'sqs.eu-west-1.amazonaws.com', 'x-amz-target': 'AmazonSQS.SendMessageBatch' }, body },
 *   { credentials, service: 'sqs', region: 'eu-west-1', date: new Date() },
 * );
 */
export function signRequest(request: SignableRequest, context: SigningContext): Record<string, string> {
  const longDate = context.date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${context.region}/${context.service}/aws4_request`;
  const added: Record<string, string> = { 'x-amz-date': longDate };
  const token = context.credentials.sessionToken;
  if (token !== undefined && token !== '') added['x-amz-security-token'] = token;
  const headers = canonicalHeaders({ ...request.headers, ...added });
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.query ?? {}),
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = [ALGORITHM, longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(context, shortDate)).update(stringToSign).digest('hex');
  added.authorization =
    `${ALGORITHM} Credential=${context.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return added;
}

function signingKey(context: SigningContext, shortDate: string): Buffer {
  let key: Buffer | string = `AWS4${context.credentials.secretAccessKey}`;
  for (const part of [shortDate, context.region, context.service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return key as Buffer;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lower-case names, values with runs of blanks folded and trimmed, unsignable ones left out. */
function canonicalHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) continue;
    out[lower] = value
      .replace(/[\r\n]/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/^ | $/g, '');
  }
  return out;
}

/** RFC 3986 encoding as AWS wants it: `encodeURIComponent` plus `!'()*`. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Dot segments resolved, empty segments dropped, then encoded twice (every service but S3). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return escapeUri(`${leading}${segments.join('/')}${trailing}`).replace(/%2F/g, '/');
}

function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .filter(([key]) => key.toLowerCase() !== 'x-amz-signature')
    .map(([key, value]) => [escapeUri(key), escapeUri(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}
