// Outpost against a real receiving MX: swaks injects into Outpost, which signs the message and
// delivers it from its VirtualMTA's address (127.0.0.2) to a private Postfix instance; Postfix
// stores it in a Maildir. The test reads what Postfix stored and checks it with tools that share no
// code with Outpost: Postfix's own Received line for the client, and OpenDKIM (libopendkim, not
// mailauth, which Outpost signs with) for the signature, on the bytes as delivered and on a tampered
// copy that must fail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dkimKey, startRuntime } from '../helpers/outpost.js';
import { startPostfixInstance } from '../helpers/postfix-instance.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);

function configFor(dir: string, mxPort: number): string {
  return `
<outpost>
  data-dir ${dir}/data
</outpost>
host-name mta.sender.test
smtp-listener 127.0.0.1:0
<source 127.0.0.1>
  always-allow-relaying yes
  default-virtual-mta v1
</source>
domain-key s1,sender.test,${dir}/dkim.pem
<virtual-mta v1>
  smtp-source-host 127.0.0.2 v1.sender.test
</virtual-mta>
<domain example.test>
  smtp-hosts [127.0.0.1]:${mxPort}
  dkim-sign yes
</domain>
`;
}

// A line starting with a dot (SMTP dot-stuffing on both hops) and trailing text after it.
const BODY = 'Hello Ada,\n.a line that starts with a dot\nSecond paragraph: 100% intact.\n\n-- \nNews';

/**
 * OpenDKIM's verdict on a message file, via `opendkim -t` (test mode, no milter, no network):
 * `TestPublicKeys` points the key lookup at a file holding the selector's TXT record.
 */
async function opendkimVerdict(dir: string, txt: string, messageFile: string): Promise<string> {
  const keys = join(dir, 'opendkim-keys');
  writeFileSync(keys, `s1._domainkey.sender.test ${txt}\n`);
  writeFileSync(join(dir, 'opendkim.conf'), `TestPublicKeys ${keys}\nSyslog no\n`);
  const { stdout, stderr } = await exec('opendkim', ['-x', join(dir, 'opendkim.conf'), '-t', messageFile]);
  return stdout + stderr;
}

describe('Outpost → a private Postfix MX (Maildir)', () => {
  it('delivers the message intact from the VirtualMTA, with a DKIM signature OpenDKIM verifies', async (t) => {
    const dir = tempDir(t);
    const txt = dkimKey(dir);
    const mx = await startPostfixInstance(t, 'example.test');
    const { port } = await startRuntime(t, configFor(dir, mx.port), dir);
    await exec('swaks', [
      ...['--server', `127.0.0.1:${port}`, '--from', 'news@sender.test', '--to', 'ada@example.test'],
      ...['--h-From', 'News <news@sender.test>', '--h-Subject', 'Autumn sale', '--h-X-Campaign', 'c-42'],
      ...['--body', BODY],
    ]);
    await waitFor(() => mx.messages().length === 1, 'the message in the Postfix Maildir').catch((error) => {
      throw new Error(`${error.message}\nPostfix log:\n${mx.log()}`);
    });
    const delivered = mx.messages()[0]!;
    const [head, body] = [
      delivered.slice(0, delivered.indexOf('\n\n')),
      delivered.slice(delivered.indexOf('\n\n') + 2),
    ];

    // Postfix records the client it saw: the VirtualMTA's HELO name and its source address.
    assert.match(
      head,
      /^Received: from v1\.sender\.test \(unknown \[127\.0\.0\.2\]\)\n\tby mx\.example\.test/m,
    );
    assert.match(head, /^Delivered-To: ada@example\.test$/m);
    assert.match(head, /^Return-Path: <news@sender\.test>$/m);
    assert.match(head, /^From: News <news@sender\.test>$/m);
    assert.match(head, /^Subject: Autumn sale$/m);
    assert.match(head, /^X-Campaign: c-42$/m);
    assert.match(head, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=sender\.test;$/m);
    // swaks ends DATA with an empty line after the body (it does so straight to Postfix too).
    assert.equal(body, `${BODY}\n\n`);

    const asDelivered = join(dir, 'delivered.eml');
    writeFileSync(asDelivered, delivered);
    const verdict = await opendkimVerdict(dir, txt, asDelivered);
    assert.match(verdict, /verification \(s=s1, d=sender\.test, 2048-bit key\) succeeded/, verdict);

    // One body byte changed after signing: the body hash no longer matches.
    const tampered = join(dir, 'tampered.eml');
    const changed = delivered.replace('100% intact', '101% intact');
    assert.notEqual(changed, delivered);
    writeFileSync(tampered, changed);
    const tamperedVerdict = await opendkimVerdict(dir, txt, tampered);
    assert.match(tamperedVerdict, /verification \(.*\) failed/, tamperedVerdict);
    assert.doesNotMatch(tamperedVerdict, /succeeded/);
  });
});
