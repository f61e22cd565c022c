import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmClient } from '../../src/aws-lite/ssm.ts';

/** One call the stand-in answered: the operation and its JSON input. */
export interface ParameterStoreCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** As received, to check the protocol and the signature. */
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A running {@link startParameterStore}. */
export interface ParameterStoreServer {
  /** Parameters by full name: what `put-parameter` stored. */
  readonly parameters: Map<string, { value: string; type: string }>;
  readonly calls: ParameterStoreCall[];
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SSM` or a client's `endpoint`. */
  readonly endpoint: string;
  /** aws-lite's SSM client (what the functions use) pointed at the stand-in. */
  client(): SsmClient;
  /** An SSM client of the real SDK pointed at the stand-in. */
  sdkClient(): SSMClient;
  close(): Promise<void>;
}

/**
 * Parameter Store's JSON 1.1 wire protocol for the two operations Taglane uses
 * (`GetParameters`, `PutParameter` without overwrite), on 127.0.0.1: a client signs,
 * serialises and parses errors as against AWS. No emulator of SSM exists on npm that runs
 * without install scripts, so the tests serve the documented shapes themselves.
 */
export async function startParameterStore(): Promise<ParameterStoreServer> {
  const parameters = new Map<string, { value: string; type: string }>();
  const calls: ParameterStoreCall[] = [];
  const server: Server = createServer(async (req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
    const text = await body(req);
    const input = JSON.parse(text || '{}') as Record<string, unknown>;
    calls.push({ operation, input, headers: req.headers, body: text });
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(json));
    };
    if (operation === 'GetParameters') {
      const names = (input.Names as string[] | undefined) ?? [];
      if (names.length > 10) return answer(400, { __type: 'ValidationException', message: 'at most 10' });
      const found = names.filter((n) => parameters.has(n));
      return answer(200, {
        Parameters: found.map((n) => ({
          Name: n,
          Type: parameters.get(n)?.type,
          // Without decryption a SecureString comes back encrypted, never as the value.
          Value: input.WithDecryption === true ? parameters.get(n)?.value : 'AQICAH...encrypted',
          Version: 1,
        })),
        InvalidParameters: names.filter((n) => !parameters.has(n)),
      });
    }
    if (operation === 'PutParameter') {
      const name = String(input.Name);
      if (parameters.has(name) && input.Overwrite !== true) {
        return answer(400, { __type: 'ParameterAlreadyExists', message: 'The parameter already exists.' });
      }
      parameters.set(name, { value: String(input.Value), type: String(input.Type) });
      return answer(200, { Version: 1, Tier: 'Standard' });
    }
    return answer(400, { __type: 'InvalidAction', message: `not served: ${operation}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    parameters,
    calls,
    endpoint,
    client: () =>
      new SsmClient(
        {
          region: 'eu-west-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          endpoint: new URL(endpoint),
          endpointConfigured: true,
        },
        { maxAttempts: 1 },
      ),
    sdkClient: () =>
      new SSMClient({
        endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
