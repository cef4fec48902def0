// Typed errors of the Signals connector. Callers tell the kinds apart by `code`, never by message.

export type SignalsErrorCode =
  /** The receiver answered with a status outside 2xx; `status` and `body` say what it said. */
  | 'SIGNALS_HTTP_STATUS'
  /** No answer within the request timeout. */
  | 'SIGNALS_TIMEOUT'
  /** Connection refused, reset, DNS failure, TLS failure. */
  | 'SIGNALS_NETWORK'
  /** The <signals> settings cannot work (no api-key, a key that cannot go in a header, a bad URL). */
  | 'SIGNALS_CONFIG';

export class SignalsError extends Error {
  override readonly name = 'SignalsError';

  constructor(
    readonly code: SignalsErrorCode,
    message: string,
    readonly details: { status?: number; body?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
