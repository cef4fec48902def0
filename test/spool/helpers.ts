// Envelopes for spool tests.
import { newMessageId } from '../../src/events/index.js';
import { newSpoolId, type SpoolEnvelope } from '../../src/spool/index.js';

export function envelope(recipients = ['a@example.com'], extra: Partial<SpoolEnvelope> = {}): SpoolEnvelope {
  return {
    v: 1,
    id: newSpoolId(),
    messageId: newMessageId(),
    receivedAt: Date.now(),
    mailFrom: 'sender@bounces.example.com',
    originalMailFrom: 'sender@example.com',
    recipients: recipients.map((address) => ({ address, state: 'pending' as const })),
    size: 0,
    srcType: 'smtp',
    srcMta: 'client.example (127.0.0.1)',
    helo: 'client.example',
    clientIp: '127.0.0.1',
    localIp: '127.0.0.1',
    listener: '127.0.0.1:2525',
    delivery: {
      verp: false,
      suppressLocalDsn: false,
      dsnReturnDefault: 'system',
      addVirtualMtaHeader: false,
    },
    ...extra,
  };
}

export const body = (text: string, size = 0) =>
  Buffer.from(`Subject: ${text}\r\n\r\n${text}\r\n${'x'.repeat(size)}\r\n`);
