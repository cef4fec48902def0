// `outpost init`: the files it writes load without errors, the DKIM key signs mail that verifies
// against the TXT record it prints, the certificate is for the host name, and the configuration
// runs: swaks submits with the generated user over STARTTLS, and the CLI reaches the management
// port with the generated API key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { hasErrors, loadConfigFile } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import { startOutpost } from '../../src/main.js';
import type { SmtpService } from '../../src/smtp/service.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../mgmt/helpers.js';

const exec = promisify(execFile);

describe('outpost init', () => {
  it('writes a configuration that loads, keys that work, and one that runs', async (t) => {
    const dir = join(tempDir(t), 'mta');
    const init = await runCli(['init', dir, '--domain', 'Example.TEST', '--ip', '127.0.0.1']);
    assert.equal(init.code, 0, init.stderr);
    const password = /AUTH as injector \/ (\S+)/.exec(init.stdout)?.[1];
    assert.ok(password, init.stdout);
    assert.match(init.stdout, /^bounces\.example\.test\.\s+IN MX\s+10 mta\.example\.test\.$/m);
    assert.match(init.stdout, /^fbl\.example\.test\.\s+IN MX\s+10 mta\.example\.test\.$/m);
    assert.match(init.stdout, /^track\.example\.test\.\s+IN CNAME/m);
    assert.match(init.stdout, /Next steps:/);

    const configFile = join(dir, 'outpost.config');
    assert.equal(statSync(configFile).mode & 0o777, 0o600, 'the file holds secrets');
    const check = await runCli(['config', 'check', configFile]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /: 0 errors,/);

    // the DKIM key and the record to publish belong together
    const [, selector, quoted] =
      /^(s\d{6})\._domainkey\.example\.test\.\s+IN TXT\s+(.+)$/m.exec(init.stdout) ?? [];
    assert.ok(selector && quoted);
    const txt = [...quoted.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
    const message = Buffer.from('From: news@example.test\r\nTo: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n');
    const key = readFileSync(join(dir, `dkim/${selector}.example.test.pem`), 'utf8');
    // mailauth 4.x reads the key from signatureData whatever its typings say (as src/delivery/dkim.ts)
    const signOptions = { signatureData: [{ signingDomain: 'example.test', selector, privateKey: key }] };
    const signed = await dkimSign(message, signOptions as unknown as Parameters<typeof dkimSign>[1]);
    const result = await dkimVerify(Buffer.concat([Buffer.from(signed.signatures), message]), {
      resolver: async () => [[txt]],
    });
    assert.equal(result.results[0]?.status.result, 'pass');
    const certificate = new X509Certificate(readFileSync(join(dir, 'tls/self-signed.pem')));
    assert.match(certificate.subject, /CN=mta\.example\.test/);

    // refuses to overwrite
    const again = await runCli(['init', dir, '--domain', 'example.test']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; nothing written/);

    // run it on loopback: the written file with ephemeral ports and a DNS server of the test's
    const dns = await new TestDnsServer({}).start();
    t.after(() => dns.stop());
    const text = readFileSync(configFile, 'utf8')
      .replace(/0\/0:587|0\/0:25|127\.0\.0\.1:8080|127\.0\.0\.1:8090/g, '127.0.0.1:0')
      .replace('data-dir data', `data-dir data\n    dns-server ${dns.address}`);
    writeFileSync(configFile, text);
    const { config, diagnostics } = loadConfigFile(configFile);
    assert.ok(!hasErrors(diagnostics));
    const runtime = await startOutpost(config, { log: silentLogger() });
    t.after(() => runtime.stop());
    const [injection] = (runtime.services.find((s) => s.name === 'smtp') as SmtpService).addresses();
    const auth = ['--auth', 'PLAIN', '--auth-user', 'injector', '--auth-password', password];
    const common = [
      '--server',
      `127.0.0.1:${injection!.port}`,
      '--from',
      'news@example.test',
      '--to',
      'someone@elsewhere.test',
    ];
    const { stdout } = await exec('swaks', [...common, '--tls', ...auth]);
    assert.match(stdout, /<~ {2}250 2\.6\.0 message received/);
    const plain = await exec('swaks', [...common, ...auth]).catch((error: { stdout: string }) => error);
    assert.match(plain.stdout, /AUTH|STARTTLS/, 'no AUTH before STARTTLS');
    assert.doesNotMatch(plain.stdout, /250 2\.6\.0 message received/);
    const status = await runCli(['show', 'status', '--config', configFile, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).status.traffic.total.in.rcp, 1);
  });
});
