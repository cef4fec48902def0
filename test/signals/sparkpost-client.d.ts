// The parts of the official `sparkpost` client (2.1.4, untyped) the Signals tests use.
declare module 'sparkpost' {
  interface RequestOptions {
    uri: string;
    qs?: Record<string, unknown>;
    headers?: Record<string, string>;
    body?: unknown;
    json?: boolean;
    encoding?: null;
  }
  interface SparkPostError extends Error {
    statusCode: number;
    errors: Array<{ message: string; description?: string; code?: string; param?: string }>;
  }
  class SparkPost {
    constructor(key: string, options?: { origin?: string; headers?: Record<string, string> });
    events: { searchMessage(parameters: Record<string, unknown>): Promise<Record<string, unknown>> };
    get(options: RequestOptions): Promise<Record<string, unknown>>;
    post(options: RequestOptions): Promise<unknown>;
  }
  export = SparkPost;
}
