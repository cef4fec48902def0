import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { EVENT_TYPES, type OutpostEvent } from '../../../src/events/index.js';
import { type IngestOptions, ingestLine, SignalsSelector } from '../../../src/events/signals/index.js';
import { signalsConfig } from './helpers/config.js';
import { ALL_TYPES, INGEST_EVENT_TYPES, makeEvent } from './helpers/events.js';
import { checkIngestLine } from './helpers/schema.js';

const config = signalsConfig({
  signals: 'engagement-tracking true\ncustom-message-id-header X-Sp-Message-Id',
});
const selector = new SignalsSelector(config);
const options: IngestOptions = {
  privacy: 'retain',
  engagementTracking: true,
  customMessageIdHeader: 'X-Sp-Message-Id',
};

function line(event: OutpostEvent, opts = options) {
  const selected = selector.select(event);
  assert.ok(selected, `${event.type} is selected`);
  const text = ingestLine(event, selected, '6403839612341257300', opts);
  return text === undefined ? undefined : checkIngestLine(text);
}

// The fields the reference shows for each ingest type (sparkpost-api.md §1.9, §2.4) that an
// Outpost event of that type can fill. A fully populated event must produce every one of them.
const EXPECTED: Record<string, string[]> = {
  reception: [
    'binding_group',
    'ip_pool',
    'sending_ip',
    'recv_method',
    'msg_size',
    'open_tracking',
    'click_tracking',
    'routing_domain',
    'subject',
    'campaign_id',
    'friendly_from',
    'msg_from',
  ],
  delivery: [
    'binding',
    'binding_group',
    'ip_pool',
    'sending_ip',
    'delv_method',
    'recv_method',
    'num_retries',
    'queue_time',
    'ip_address',
    'outbound_tls',
    'msg_size',
    'injection_time',
    'open_tracking',
    'click_tracking',
    'routing_domain',
  ],
  inband: [
    'bounce_class',
    'error_code',
    'raw_reason',
    'reason',
    'delv_method',
    'num_retries',
    'ip_address',
    'sending_ip',
    'routing_domain',
    'msg_size',
  ],
  tempfail: [
    'bounce_class',
    'error_code',
    'raw_reason',
    'reason',
    'delv_method',
    'num_retries',
    'queue_time',
    'sending_ip',
    'routing_domain',
  ],
  rejection: [
    'bounce_class',
    'error_code',
    'raw_reason',
    'reason',
    'recv_method',
    'remote_addr',
    'msg_from',
    'friendly_from',
    'campaign_id',
  ],
  outofband: [
    'bounce_class',
    'error_code',
    'raw_reason',
    'reason',
    'recv_method',
    'delv_method',
    'msg_from',
    'friendly_from',
    'campaign_id',
    'routing_domain',
  ],
  feedback: [
    'fbtype',
    'report_by',
    'delv_method',
    'sending_ip',
    'campaign_id',
    'friendly_from',
    'subject',
    'routing_domain',
  ],
  initial_open: ['delv_method', 'ip_address', 'user_agent', 'campaign_id'],
  open: ['delv_method', 'ip_address', 'user_agent', 'campaign_id'],
  click: ['delv_method', 'ip_address', 'user_agent', 'campaign_id', 'target_link_url'],
};
const ENVELOPE = ['type', 'event_id', 'message_id', 'timestamp', 'subaccount_id', 'rcpt_to', 'raw_rcpt_to'];

describe('signals ingest lines: one per OutpostEvent, in SparkPost ingest NDJSON', () => {
  it('maps every event type to its ingest type and grouping, valid against the per-type schema', () => {
    for (const type of ALL_TYPES) {
      const fields = line(makeEvent(type));
      const ingest = EVENT_TYPES[type].ingest;
      if (ingest === undefined) {
        assert.equal(fields, undefined, `${type} has no ingest type and produces no line`);
        continue;
      }
      assert.equal(fields?.type, ingest);
      for (const name of [...ENVELOPE, ...EXPECTED[ingest]!])
        assert.ok(name in fields!, `${ingest} lacks ${name}`);
    }
    assert.equal(INGEST_EVENT_TYPES.length, 10);
  });

  it('writes timestamps as Unix seconds strings, numbers as strings, the recipient lower-cased', () => {
    const event = makeEvent('delivery', { timeLogged: 1594300004_999, timeQueued: 1594300002_000 });
    const fields = line(event)!;
    assert.equal(fields.timestamp, '1594300004');
    assert.equal(fields.queue_time, '2999', 'queue_time is milliseconds');
    assert.equal(fields.injection_time, '2020-07-09T13:06:42.000Z');
    assert.equal(fields.rcpt_to, 'jane.doe@gmail.com');
    assert.equal(fields.raw_rcpt_to, 'Jane.Doe@Gmail.com');
    assert.equal(fields.routing_domain, 'gmail.com');
    assert.equal(fields.msg_size, '4321');
    assert.equal(fields.num_retries, '1');
    assert.equal(fields.event_id, '6403839612341257300');
    assert.equal(fields.message_id, event.messageId);
    assert.equal(fields.subaccount_id, 0);
    assert.equal(fields.campaign_id, 'spring-sale', 'campaign_id is the job id');
    assert.equal(fields.msg_from, 'bounces+x@bounces.example.com');
    assert.equal(fields.friendly_from, 'news@example.com');
    assert.equal(fields.ip_address, '198.51.100.7', 'delivery ip_address is the remote host');
    assert.equal(fields.outbound_tls, '1');
    assert.equal(fields.open_tracking, true);
  });

  it('takes sending_ip from the VirtualMTA smtp-source-host, ip_pool from the pool, binding from the VMTA', () => {
    // Reception records name the pool in `vmta` (PowerMTA's r record); the pool's VirtualMTA has the IP.
    const reception = line(makeEvent('reception'))!;
    assert.equal(reception.sending_ip, '192.0.2.10');
    assert.equal(reception.ip_pool, 'default');
    assert.equal(reception.binding_group, 'default');
    assert.equal(reception.binding, undefined);
    const viaMta2 = line(
      makeEvent('delivery', { vmta: 'mta2', vmtaPool: undefined, dlvSourceIp: undefined }),
    )!;
    assert.equal(viaMta2.sending_ip, '192.0.2.20');
    assert.equal(viaMta2.binding, 'mta2');
    assert.equal(viaMta2.ip_pool, 'mta2', 'a VirtualMTA outside any pool is its own IP pool');
    const delivered = line(makeEvent('delivery', { dlvSourceIp: '192.0.2.99' }))!;
    assert.equal(delivered.sending_ip, '192.0.2.99', 'the IP the delivery actually used wins');
  });

  it('splits the remote response into error_code, raw_reason and a redacted reason', () => {
    const bounce = line(makeEvent('bounce'))!;
    assert.equal(bounce.error_code, '550');
    assert.equal(bounce.raw_reason, '550 5.1.1 <Jane.Doe@gmail.com> user unknown at 198.51.100.7');
    assert.equal(bounce.reason, '550 5.1.1 <...@...> user unknown at a.b.c.d');
    assert.equal(bounce.bounce_class, '10');
    const expired = line(
      makeEvent('bounce', {
        dsnDiag: 'x-pmta;bounce-queue',
        dsnStatus: '5.4.7 (delivery time expired)',
        bounceClass: undefined,
      }),
    )!;
    assert.equal(expired.error_code, '554', 'a local failure gets the 554 Momentum gives internal bounces');
    assert.equal(expired.raw_reason, 'bounce-queue');
    assert.equal(expired.bounce_class, '1', 'unclassified is Undetermined');
    const rejection = line(makeEvent('rejection', { bounceClass: undefined }))!;
    assert.equal(rejection.bounce_class, '25', 'a policy rejection is Admin Failure unless classified');
    assert.equal(rejection.remote_addr, '203.0.113.9');
  });

  it('reports the custom-message-id-header value as custom_message_id, at most 512 ASCII characters', () => {
    const headers = [['X-Sp-Message-Id', ' 5f3a-custom-id ']] as const;
    assert.equal(line(makeEvent('delivery', { headers }))!.custom_message_id, '5f3a-custom-id');
    assert.equal(line(makeEvent('delivery', { customMessageId: 'given' }))!.custom_message_id, 'given');
    assert.equal(
      line(makeEvent('delivery', { customMessageId: 'x'.repeat(513) }))!.custom_message_id,
      undefined,
    );
    assert.equal(line(makeEvent('delivery', { customMessageId: 'naïve' }))!.custom_message_id, undefined);
    assert.equal(line(makeEvent('delivery'))!.custom_message_id, undefined);
  });

  it('privacy-policy sha1 sends rcpt_hash (SHA-1 of the lower-cased address) and rcpt_domain instead', () => {
    for (const type of INGEST_EVENT_TYPES) {
      const fields = line(makeEvent(type), { ...options, privacy: 'sha1' })!;
      assert.equal(fields.rcpt_to, undefined);
      assert.equal(fields.raw_rcpt_to, undefined);
      assert.equal(fields.rcpt_hash, createHash('sha1').update('jane.doe@gmail.com').digest('hex'));
      assert.equal(fields.rcpt_domain, 'gmail.com');
      assert.doesNotMatch(JSON.stringify(fields), /jane/i, `${type} leaks the address`);
    }
  });

  it('reports engagement per message when the producer knows it, else the engagement-tracking setting', () => {
    assert.equal(line(makeEvent('delivery', { openTracking: false }))!.open_tracking, false);
    const off = line(makeEvent('delivery'), { ...options, engagementTracking: false })!;
    assert.equal(off.open_tracking, false);
    assert.equal(off.click_tracking, false);
    const click = line(makeEvent('click'))!;
    assert.equal(click.ip_address, '203.0.113.50', 'engagement ip_address is the client');
    assert.equal(click.target_link_url, 'https://example.com/spring?utm=mail');
  });

  it('escapes what JSON must escape and keeps any Unicode subject intact', () => {
    for (const subject of [
      'say "hi"\\',
      'tab\tnew\nline\u0001',
      'Spring 🌸 sale — 50 %',
      'lone \ud800 half',
      '\u2028',
    ]) {
      const fields = line(makeEvent('delivery', { subject }))!;
      assert.equal(fields.subject, subject);
    }
  });
});
