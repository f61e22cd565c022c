import { IngestError } from '../../ingest/errors.ts';

/** 400: a `Content-Encoding: gzip` body that does not decompress. */
export class InvalidEncodingError extends IngestError {
  override readonly name = 'InvalidEncodingError';
  constructor(encoding: string, cause: unknown) {
    super(
      {
        status: 400,
        type: 'invalid-encoding',
        title: 'Body does not decode',
        detail: `the body is not valid ${encoding} data`,
      },
      { cause },
    );
  }
}

/** 415: a content coding other than gzip, deflate or identity. */
export class UnsupportedEncodingError extends IngestError {
  override readonly name = 'UnsupportedEncodingError';
  constructor(encoding: string) {
    super({
      status: 415,
      type: 'unsupported-encoding',
      title: 'Unsupported content encoding',
      detail: `Content-Encoding ${JSON.stringify(encoding)} is not supported; send gzip, deflate or none`,
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
  }
}
