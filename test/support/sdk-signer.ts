import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials, SignableRequest } from '../../src/aws-lite/sigv4.ts';

/** The SDK's hash interface over node:crypto, as @smithy/hash-node implements it. */
class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** What the AWS SDK's own signer puts on the same request (without the S3-only payload header). */
export async function sdkSigned(
  request: SignableRequest,
  credentials: AwsCredentials,
  service: string,
  region: string,
  date: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    },
    region,
    service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const host = request.headers.host ?? '';
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'https:',
      hostname: host,
      path: request.path,
      query: { ...(request.query ?? {}) },
      headers: { ...request.headers },
      body: request.body,
    }),
    { signingDate: date },
  );
  return signed.headers as Record<string, string>;
}

/**
 * The `Authorization` the SDK's signer computes for a request as a server received it (the
 * headers its `SignedHeaders` lists, the body, the date of its `x-amz-date`): equal to the
 * received one when the client signed correctly.
 */
export async function sdkAuthorizationOf(
  received: {
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly body: string;
  },
  credentials: AwsCredentials,
  service: string,
  region: string,
): Promise<string | undefined> {
  const authorization = String(received.headers.authorization ?? '');
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    if (name === 'x-amz-date' || name === 'x-amz-security-token') continue;
    headers[name] = String(received.headers[name] ?? '');
  }
  const amzDate = String(received.headers['x-amz-date'] ?? '');
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signed = await sdkSigned(
    { method: 'POST', path: '/', headers, body: received.body },
    credentials,
    service,
    region,
    date,
  );
  return signed.authorization;
}
