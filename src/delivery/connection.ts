// One delivery connection for one queue: find the next hop, connect from the VirtualMTA's source
// address, then send the queue's mail in arrival order until the queue is empty, the connection's
// message limit or the queue's rate limit is reached, or the connection fails.
import type { OutpostConfig } from '../config/index.js';
import type { DomainQueue } from '../queue/domain-queue.js';
import type { QueueManager } from '../queue/manager.js';
import type { DeliveryEnvelope, MessageStore, QueueItem } from '../queue/message.js';
import type { RollupMatcher } from '../queue/rollup.js';
import { DEFAULT_VMTA, type SourceHosts } from '../queue/vmta.js';
import type { DkimKeyStore } from './dkim.js';
import { type Resolver, type Route, resolveRoute } from './mx.js';
import type { AttemptInfo, Outcomes } from './outcomes.js';
import { applyPatterns } from './patterns.js';
import { prepareMessage } from './prepare.js';
import { OutboundSession, type RecipientReply, SmtpDeliveryError } from './smtp-client.js';
import type { DeliveryTracking } from './tracking.js';

export interface ConnectionContext {
  config: () => OutpostConfig;
  manager: QueueManager;
  store: MessageStore;
  resolver: Resolver;
  sources: SourceHosts;
  keys: DkimKeyStore;
  outcomes: Outcomes;
  rollups: RollupMatcher;
  tracking: DeliveryTracking;
}

/** Drains the queue with one reason (an unknown VirtualMTA, a domain that cannot receive mail). */
async function bounceAll(ctx: ConnectionContext, queue: DomainQueue, reason: string): Promise<void> {
  for (let item = ctx.manager.take(queue); item; item = ctx.manager.take(queue)) {
    await ctx.outcomes.finishItem(queue, item, reason);
  }
}

/** Tries the hops best first; a hop that cannot be reached or greets with 4xx passes to the next. */
async function connect(
  ctx: ConnectionContext,
  queue: DomainQueue,
  route: Extract<Route, { ok: true }>,
): Promise<{ session?: OutboundSession; failure?: SmtpDeliveryError; attempt?: AttemptInfo }> {
  const source = ctx.sources.next(queue.vmta);
  let failure: SmtpDeliveryError | undefined;
  let attempt: AttemptInfo | undefined;
  for (const level of route.levels) {
    for (const hop of level) {
      for (const address of hop.addresses) {
        attempt = { host: hop.host, address, extensions: [], ...(source.ip ? { sourceIp: source.ip } : {}) };
        try {
          const session = await OutboundSession.open({
            host: hop.host,
            address,
            port: hop.port,
            heloName: source.heloName,
            settings: queue.settings,
            ...(source.ip ? { localAddress: source.ip } : {}),
          });
          return { session, attempt };
        } catch (error) {
          failure = error as SmtpDeliveryError;
          // A 5xx greeting is final unless bounce-upon-5xx-greeting says to try the next MX.
          if (failure.permanent && queue.settings['bounce-upon-5xx-greeting']) return { failure, attempt };
        }
      }
    }
  }
  return { ...(failure ? { failure } : {}), ...(attempt ? { attempt } : {}) };
}

/** Moves the queue into its MX rollup when its best MX hosts match one (routed by MX, rollups on). */
function rollsUp(ctx: ConnectionContext, queue: DomainQueue, route: Extract<Route, { ok: true }>): boolean {
  if (queue.mxDomain || route.implicitMx || queue.settings['disable-mx-rollup']) return false;
  if (queue.settings['smtp-hosts'].length > 0 || queue.settings.route.length > 0) return false;
  const rollup = ctx.rollups.match(route.levels[0]!.map((hop) => hop.host));
  if (!rollup) return false;
  ctx.manager.rollUp(queue, rollup);
  return true;
}

export async function runConnection(ctx: ConnectionContext, queue: DomainQueue): Promise<void> {
  const config = ctx.config();
  if (queue.vmta !== DEFAULT_VMTA && !config.virtualMtas.has(queue.vmta)) {
    await bounceAll(ctx, queue, '550 5.3.5 specified VirtualMTA does not exist');
    return;
  }
  const route = await resolveRoute(ctx.resolver, queue.mxDomain ?? queue.domain, queue.settings);
  if (route.ok && rollsUp(ctx, queue, route)) return;
  if (!route.ok) {
    if (route.permanent) await bounceAll(ctx, queue, `550 ${route.status} ${route.text}`);
    else await ctx.outcomes.queueFailed(queue, route.status, route.text);
    return;
  }
  const { session, failure, attempt } = await connect(ctx, queue, route);
  if (!session) {
    const text = failure?.response ?? failure?.message ?? 'no next hop answered';
    if (failure?.permanent) await bounceAll(ctx, queue, text);
    else
      await ctx.outcomes.queueFailed(
        queue,
        failure?.code ? `${Math.floor(failure.code / 100)}.4.0` : '4.4.1',
        text,
        attempt,
      );
    return;
  }
  const info: AttemptInfo = {
    ...attempt!,
    extensions: session.extensions,
    ...(session.tls ? { tls: session.tls } : {}),
  };
  const local = session.localAddress;
  if (local) info.sourceIp = local.replace(/^::ffff:/, '');
  try {
    await sendAll(ctx, queue, session, info);
  } finally {
    session.close();
  }
}

async function sendAll(
  ctx: ConnectionContext,
  queue: DomainQueue,
  session: OutboundSession,
  info: AttemptInfo,
): Promise<void> {
  const perConnection = queue.settings['max-msg-per-connection'];
  // The previous message's delivered outcome, being made durable while this one is sent: a
  // connection does not wait for each spool commit (group commit batches them anyway), but it waits
  // for one before going further, so a spool that stopped writing stops the connection one message
  // later, and the connection ends only once every outcome is recorded.
  let recording: Promise<void> | undefined;
  try {
    for (;;) {
      if (perConnection > 0 && session.messagesSent >= perConnection) return;
      const item = await nextItem(ctx, queue);
      if (!item) return;
      if (!session.usable) {
        // The receiver closed the connection while it was idle: the mail waits for a new one.
        ctx.manager.putBack(queue, item);
        return;
      }
      const now = ctx.manager.clock.now();
      if (!queue.msgRate.tryTake(now)) {
        ctx.manager.putBack(queue, item);
        ctx.manager.wake(queue, queue.msgRate.nextAt(now));
        return;
      }
      const sent = await sendItem(ctx, queue, session, item, info);
      await recording;
      recording = typeof sent === 'boolean' ? undefined : sent.recording;
      const keepGoing = typeof sent === 'boolean' ? sent : sent.keepGoing;
      if (!keepGoing || !session.usable) return;
    }
  } finally {
    await recording;
  }
}

/** The queue's next item; with `connection-idle-timeout`, waits that long for one to arrive. */
async function nextItem(ctx: ConnectionContext, queue: DomainQueue): Promise<QueueItem | undefined> {
  for (;;) {
    const item = ctx.manager.take(queue);
    const idle = queue.settings['connection-idle-timeout'] * 1000;
    if (item || idle <= 0 || !(await ctx.manager.waitForMail(queue, idle))) return item;
  }
}

/**
 * With engagement tracking, a message with HTML is rewritten for each recipient (before DKIM signs
 * it), so it goes one recipient per transaction: the item's other recipients go back to the front
 * of the queue, where this connection (or another) takes them next.
 */
function trackedCopy(
  ctx: ConnectionContext,
  queue: DomainQueue,
  item: QueueItem,
  envelope: DeliveryEnvelope,
  body: Buffer,
): { item: QueueItem; bytes: Buffer } {
  const tracked = ctx.tracking.prepare(item.message.id, body);
  if (!tracked) return { item, bytes: body };
  const [first, ...rest] = item.rcpts as [number, ...number[]];
  if (rest.length > 0) ctx.manager.putBack(queue, { message: item.message, rcpts: rest });
  const rcpt = item.message.recipient(first);
  return {
    item: { message: item.message, rcpts: [first] },
    bytes: tracked.forRecipient(rcpt, envelope.messageId),
  };
}

/**
 * Sends one item; false when the connection should end (it failed, or a pattern deferred the
 * queue). When every recipient was accepted, the outcome is still being recorded: `recording`.
 */
async function sendItem(
  ctx: ConnectionContext,
  queue: DomainQueue,
  session: OutboundSession,
  taken: QueueItem,
  info: AttemptInfo,
): Promise<boolean | { keepGoing: true; recording: Promise<void> }> {
  const { message } = taken;
  const { envelope, body } = await ctx.store.read(message.id);
  const pool =
    message.virtualMta && ctx.config().pools.has(message.virtualMta) ? message.virtualMta : undefined;
  const { item, bytes } = trackedCopy(ctx, queue, taken, envelope, body);
  const prepared = await prepareMessage(ctx.config(), ctx.keys, queue, envelope, bytes, pool);
  const loaded = { envelope, headers: prepared.headers, body };
  if (ctx.outcomes.isExpired(queue, envelope.receivedAt)) {
    await ctx.outcomes.bounced(
      queue,
      message,
      item.rcpts,
      `4.4.7 ${queue.lastError ?? 'message expired in queue'}`,
      loaded,
      undefined,
      true,
    );
    return true;
  }
  const dsn = {
    ...(envelope.envId ? { envid: envelope.envId } : {}),
    ...(envelope.dsnRet ? { ret: envelope.dsnRet } : {}),
  };
  const attempt = { ...info, size: prepared.bytes.length };
  let replies: RecipientReply[];
  try {
    replies = await session.send(
      envelope.mailFrom,
      item.rcpts.map((i) => message.recipient(i)),
      prepared.bytes,
      dsn,
    );
  } catch (error) {
    if (!(error instanceof SmtpDeliveryError)) throw error;
    const reply = error.response ?? `451 4.4.2 ${error.message}`;
    const action = applyPatterns(ctx.manager, queue, reply);
    if (error.permanent || action.bounceRcpt)
      await ctx.outcomes.bounced(queue, message, item.rcpts, reply, loaded, attempt);
    else await ctx.outcomes.deferred(queue, item, reply, loaded, attempt);
    if (action.deferQueue) await ctx.outcomes.queueFailed(queue, '4.4.0', reply, attempt);
    if (action.bounceQueue) await bounceAll(ctx, queue, reply);
    return !action.deferQueue && !action.bounceQueue && error.code !== undefined && session.usable;
  }
  queue.succeeded();
  const accepted = replies.filter((r) => r.accepted);
  if (accepted.length > 0) {
    if (queue.mode === 'backoff' && queue.settings['backoff-to-normal-after-delivery'])
      queue.setMode('normal', ctx.manager.clock.now());
    const recording = ctx.outcomes.delivered(
      queue,
      message,
      accepted.map((r) => item.rcpts[replies.indexOf(r)]!),
      accepted[0]!.response,
      loaded,
      attempt,
    );
    if (accepted.length === replies.length) {
      // sendAll awaits it after the next send; handled now so a failure is not "unhandled" meanwhile.
      recording.catch(() => {});
      return { keepGoing: true, recording };
    }
    await recording;
  }
  let deferQueue: string | undefined;
  let bounceQueue: string | undefined;
  for (const [index, reply] of replies.entries()) {
    if (reply.accepted) continue;
    const rcpts = [item.rcpts[index]!];
    const action = applyPatterns(ctx.manager, queue, reply.response);
    if (reply.code >= 500 || action.bounceRcpt) {
      await ctx.outcomes.bounced(queue, message, rcpts, reply.response, loaded, attempt);
    } else await ctx.outcomes.deferred(queue, { message, rcpts }, reply.response, loaded, attempt);
    if (action.deferQueue) deferQueue = reply.response;
    if (action.bounceQueue) bounceQueue = reply.response;
  }
  if (deferQueue) await ctx.outcomes.queueFailed(queue, '4.4.0', deferQueue, attempt);
  if (bounceQueue) await bounceAll(ctx, queue, bounceQueue);
  return !deferQueue && !bounceQueue;
}

/** PowerMTA's VERP form: `jsmith@example.com` to `jdoe@yahoo.com` → `jsmith-jdoe=yahoo.com@example.com`. */
export function verpAddress(sender: string, recipient: string): string {
  const at = sender.lastIndexOf('@');
  const rat = recipient.lastIndexOf('@');
  if (at <= 0 || rat <= 0) return sender;
  return `${sender.slice(0, at)}-${recipient.slice(0, rat)}=${recipient.slice(rat + 1)}${sender.slice(at)}`;
}
