// The built-in rules: rough imitations of the big mailbox providers' behaviour and reply texts
// (the texts follow what each provider is known to answer; the rates are plausible for a list with
// some dead addresses, not measurements). `outpost sink --print-defaults` prints this as JSON to
// start a custom file from.
import type { SinkConfigInput } from './rules.js';

export const DEFAULT_SINK_CONFIG: SinkConfigInput = {
  seed: 1,
  'host-name': 'mx.sink.localhost',
  reports: { 'from-domain': 'sink.localhost', 'delay-ms': [200, 2000] },
  engagement: { 'delay-ms': [500, 5000] },
  rules: [
    {
      domains: ['gmail.com', 'googlemail.com'],
      'unknown-user': 0.03,
      block: 0.01,
      'mailbox-full': 0.005,
      defer: 0.03,
      'delay-ms': [5, 40],
      'max-connections': 10,
      bounce: 0.005,
      complaint: 0.001,
      open: 0.35,
      click: 0.06,
      replies: {
        'unknown-user': '550 5.1.1 The email account that you tried to reach does not exist.',
        block:
          '550 5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your IP address.',
        'mailbox-full':
          "452 4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
        defer: '421 4.7.0 Try again later, closing connection.',
        'too-many-connections': '421 4.7.0 Try again later, closing connection. (too many connections)',
      },
    },
    {
      domains: ['yahoo.com', 'ymail.com'],
      'unknown-user': 0.04,
      block: 0.02,
      'mailbox-full': 0.005,
      defer: 0.08,
      'delay-ms': [20, 120],
      'max-connections': 5,
      bounce: 0.02,
      complaint: 0.004,
      open: 0.22,
      click: 0.03,
      replies: {
        'unknown-user': '550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown',
        block:
          "550 5.7.1 [BL21] Connections will not be accepted from {ip}, because the ip is in Spamhaus's list",
        'mailbox-full': '552 5.2.2 Mailbox full',
        defer:
          '421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints',
        'too-many-connections': '421 4.7.0 [TSS04] too many connections from {ip}',
      },
    },
    {
      domains: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com'],
      'unknown-user': 0.03,
      block: 0.03,
      'mailbox-full': 0.003,
      defer: 0.05,
      'delay-ms': [30, 200],
      'max-connections': 8,
      bounce: 0.005,
      complaint: 0.002,
      open: 0.18,
      click: 0.025,
      replies: {
        'unknown-user': '550 5.1.1 Requested action not taken: mailbox unavailable (S2017062302)',
        block:
          "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
        'mailbox-full': '452 4.2.2 Mailbox full',
        defer: '451 4.7.500 Server busy. Please try again later from [{ip}]. (S77719)',
        'too-many-connections': '421 4.7.0 Too many connections from {ip}',
      },
    },
    {
      domains: ['aol.com'],
      'unknown-user': 0.05,
      block: 0.01,
      'mailbox-full': 0.01,
      defer: 0.06,
      'delay-ms': [20, 120],
      'max-connections': 5,
      bounce: 0.02,
      complaint: 0.005,
      open: 0.15,
      click: 0.02,
      replies: {
        'unknown-user': '550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown',
        'mailbox-full': '552 5.2.2 Mailbox full',
        defer: '421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to user complaints',
      },
    },
    {
      // Everyone else: small providers and company servers, some of which greylist.
      domains: ['*'],
      'unknown-user': 0.02,
      'mailbox-full': 0.005,
      defer: 0.02,
      greylist: 0.3,
      'greylist-seconds': 30,
      'delay-ms': [0, 50],
      'max-connections': 20,
      bounce: 0.01,
      complaint: 0.001,
      open: 0.25,
      click: 0.04,
    },
  ],
};
