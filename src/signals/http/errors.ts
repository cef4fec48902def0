// Errors in SparkPost's shape: {"errors":[{"message","description","code"}]} (reference
// sparkpost-api.md §1.5). Routes throw ApiError; the app's error handler renders every error,
// including fastify's own (body too large, bad media type), in this shape.

export type ApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_params'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'system_error';

const STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  invalid_params: 400,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  system_error: 500,
};

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly description?: string,
    readonly param?: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export function invalidParam(param: string, description: string): ApiError {
  return new ApiError('invalid_params', 'Invalid params', description, param);
}

export function errorBody(error: ApiError): { errors: Array<Record<string, string>> } {
  const entry: Record<string, string> = { message: error.message, code: error.code };
  if (error.description) entry.description = error.description;
  if (error.param) entry.param = error.param;
  return { errors: [entry] };
}

/** Maps fastify's own errors (by their FST_ERR_* codes) to SparkPost-shaped ones. */
export function fromFastifyError(error: { code?: string; statusCode?: number; message: string }): ApiError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'Request too large', 'the body is larger than 5 MB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Unsupported media type', error.message);
    default:
      if (error.statusCode && error.statusCode < 500)
        return new ApiError('invalid_params', 'Bad request', error.message);
      return new ApiError(
        'system_error',
        'Internal error',
        'the server could not complete the request; retry later',
      );
  }
}
