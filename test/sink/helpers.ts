// Sink test harness: a real SinkServer on 127.0.0.1:0 and swaks as the client.
import type { TestContext } from 'node:test';
import { SinkServer, sinkConfigFrom } from '../../src/sink/index.js';
import type { SinkConfigInput } from '../../src/sink/rules.js';
import { swaks } from '../smtp/helpers.js';

export { swaks };

export async function startSink(
  t: TestContext,
  input: SinkConfigInput,
  options: { now?: () => number } = {},
): Promise<{ sink: SinkServer; errors: string[] }> {
  const errors: string[] = [];
  const sink = await new SinkServer({
    config: sinkConfigFrom(input),
    onError: (what, error) => errors.push(`${what}: ${(error as Error).message}`),
    ...options,
  }).start();
  t.after(() => sink.stop());
  return { sink, errors };
}

/** The server's reply to RCPT TO in a swaks transcript (the line after `-> RCPT TO`). */
export function rcptReply(out: string): string {
  const lines = out.split('\n');
  const at = lines.findIndex((line) => line.includes('-> RCPT TO:'));
  return (lines[at + 1] ?? '').replace(/^<\*?\*?-*\s*/, '').trim();
}

export async function sendOne(port: number, to: string, extra: string[] = []) {
  return swaks(port, ['--from', 'news@sender.test', '--to', to, '--h-Subject', 'hello', ...extra]);
}
