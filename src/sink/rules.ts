// The sink's configuration: ordered per-domain rules (first match wins, `*` matches any domain) and
// where out-of-band reports go. A JSON file, checked with zod at the boundary: an unknown key, a
// rate outside 0…1 or a reply whose code does not fit its kind is an error naming the file and the
// key, and nothing starts (docs/sink.md).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_SINK_CONFIG } from './defaults.js';

/** What a recipient can meet at RCPT time, each with the reply codes a provider would use. */
export const REPLY_KINDS = {
  // RFC 5321 §4.2.2; enhanced codes RFC 3463.
  accept: [250],
  defer: [421, 451],
  block: [550, 554],
  'unknown-user': [550],
  'mailbox-full': [452, 552],
  greylist: [450, 451],
  'too-many-connections': [421],
} as const;
export type ReplyKind = keyof typeof REPLY_KINDS;

const rate = z.number().min(0).max(1);
const delay = z.union([
  z.number().int().min(0),
  z
    .tuple([z.number().int().min(0), z.number().int().min(0)])
    .refine(([min, max]) => min <= max, 'the first number must not be larger than the second'),
]);
const replyText = z
  .string()
  .regex(/^[245]\d\d [245]\.\d{1,3}\.\d{1,3} \S/, 'must look like "550 5.1.1 text"');

const ruleSchema = z
  .strictObject({
    domains: z.array(z.string().min(1).toLowerCase()).min(1),
    'unknown-user': rate.default(0),
    block: rate.default(0),
    'mailbox-full': rate.default(0),
    defer: rate.default(0),
    greylist: rate.default(0),
    'greylist-seconds': z.number().min(0).default(60),
    'delay-ms': delay.default(0),
    'max-connections': z.number().int().positive().optional(),
    bounce: rate.default(0),
    complaint: rate.default(0),
    open: rate.default(0),
    click: rate.default(0),
    replies: z
      .partialRecord(z.enum(Object.keys(REPLY_KINDS) as [ReplyKind, ...ReplyKind[]]), replyText)
      .default({}),
  })
  .superRefine((rule, ctx) => {
    for (const [kind, text] of Object.entries(rule.replies) as Array<[ReplyKind, string]>) {
      const code = Number(text.slice(0, 3));
      const allowed: readonly number[] = REPLY_KINDS[kind];
      if (!allowed.includes(code)) {
        ctx.addIssue({
          code: 'custom',
          path: ['replies', kind],
          message: `code must be ${allowed.join(' or ')}`,
        });
      }
      if (text[4] !== text[0]) {
        ctx.addIssue({
          code: 'custom',
          path: ['replies', kind],
          message: 'enhanced status class must match the code',
        });
      }
    }
  });

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be HOST:PORT');

const configSchema = z.strictObject({
  seed: z.number().int().default(1),
  'host-name': z.string().min(1).default('mx.sink.localhost'),
  reports: z
    .strictObject({
      smtp: hostPort.optional(),
      'fbl-address': z.email().optional(),
      'from-domain': z.string().min(1).default('sink.localhost'),
      'delay-ms': delay.default([200, 2000]),
    })
    .default({ 'from-domain': 'sink.localhost', 'delay-ms': [200, 2000] }),
  engagement: z
    .strictObject({
      'delay-ms': delay.default([500, 5000]),
      'user-agent': z.string().min(1).default('Mozilla/5.0 (X11; Linux x86_64) OutpostSink/1.0'),
    })
    .default({ 'delay-ms': [500, 5000], 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) OutpostSink/1.0' }),
  rules: z.array(ruleSchema).min(1),
});

export type SinkRule = z.output<typeof ruleSchema>;
export type SinkConfig = z.output<typeof configSchema>;
export type SinkConfigInput = z.input<typeof configSchema>;

/** The configuration is not usable; `message` lists every problem, one per line. */
export class SinkConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SinkConfigError';
  }
}

/** Validates a parsed configuration; `source` names it in error messages. */
export function sinkConfigFrom(input: unknown, source = 'sink config'): SinkConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      return `${source}: ${path}: ${issue.message}`;
    });
    throw new SinkConfigError(lines.join('\n'));
  }
  return result.data;
}

/** Reads and validates a JSON configuration file; without a file, the built-in defaults. */
export function loadSinkConfig(file?: string): SinkConfig {
  if (!file) return sinkConfigFrom(DEFAULT_SINK_CONFIG, 'built-in defaults');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SinkConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SinkConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  return sinkConfigFrom(parsed, file);
}

/** The first rule naming `domain` (exact or as a `*.parent` suffix), else the first `*` rule. */
export function ruleFor(config: SinkConfig, domain: string): SinkRule | undefined {
  const d = domain.toLowerCase();
  const named = config.rules.find((rule) =>
    rule.domains.some((p) => p === d || (p.startsWith('*.') && d.endsWith(p.slice(1)))),
  );
  return named ?? config.rules.find((rule) => rule.domains.includes('*'));
}

/** A `delay-ms` value as [min, max]. */
export function delayRange(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}
