import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ConfigNode, parseConfigFile, parseConfigText, splitWords } from '../../src/config/parse.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const directives = (nodes: ConfigNode[]) =>
  nodes.map((n) => (n.type === 'directive' ? `${n.name}=${n.words.join('|')}` : `<${n.tag} ${n.arg}>`));

describe('config lexer and parser', () => {
  it('drops # comments anywhere on a line, even right after a keyword', () => {
    const { nodes, diagnostics } = parseConfigText(
      'max-smtp-out 20  # per domain\n# whole line\napi-key ##placeholder##\n',
      'c',
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(directives(nodes), ['max-smtp-out=20', 'api-key=']);
  });

  it('keeps # inside double quotes and applies backslash escapes', () => {
    assert.deepEqual(splitWords('"a # b" c'), ['a # b', 'c']);
    assert.deepEqual(splitWords('"/bin/p --envid \\"$envid\\" \\"$user\\""'), [
      '/bin/p --envid "$envid" "$user"',
    ]);
    assert.deepEqual(splitWords('"c:\\my stuff\\\\x.exe"'), ['c:\\my stuff\\x.exe']);
    assert.deepEqual(splitWords('""'), ['']);
  });

  it('builds nested blocks with their positions and tag arguments', () => {
    const text =
      '<virtual-mta-pool default>\n  virtual-mta mta1\n  <domain *>\n    max-smtp-out 20\n  </domain>\n</virtual-mta-pool>\n';
    const { nodes, diagnostics } = parseConfigText(text, 'c');
    assert.deepEqual(diagnostics, []);
    const pool = nodes[0]!;
    assert.equal(pool.type, 'block');
    assert.ok(pool.type === 'block');
    assert.equal(pool.arg, 'default');
    assert.deepEqual(pool.pos, { file: 'c', line: 1 });
    const domain = pool.children[1]!;
    assert.ok(domain.type === 'block');
    assert.equal(domain.arg, '*');
    assert.deepEqual(domain.children[0]!.pos, { file: 'c', line: 4 });
  });

  it('tolerates text after a closing tag name and quoted tag arguments', () => {
    const text =
      '<domain-key-list k1>\n</domain-key-list k1>\n<acct-file "c:\\my stuff\\\\acct.csv">\n</acct-file>\n<acct-file |/usr/bin/etl --log x.log>\n</acct-file>\n';
    const { nodes, diagnostics } = parseConfigText(text, 'c');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(directives(nodes), [
      '<domain-key-list k1>',
      '<acct-file c:\\my stuff\\acct.csv>',
      '<acct-file |/usr/bin/etl --log x.log>',
    ]);
  });

  it('reports unbalanced tags with the line of the problem', () => {
    const { diagnostics } = parseConfigText(
      '<source 0/0>\nsmtp-service yes\n</domain>\n<domain x.com\n',
      'c',
    );
    assert.deepEqual(
      diagnostics.map((d) => `${d.line}:${d.message}`),
      [
        '3:closing tag </domain> without a matching opening tag',
        '4:malformed tag "<domain x.com" (missing ">")',
        '1:<source> is never closed',
      ],
    );
  });

  it('reports an unterminated quote', () => {
    const { diagnostics } = parseConfigText('custom-dsn-from-header "Postmaster <a@b.c>\n', 'c');
    assert.deepEqual(
      diagnostics.map((d) => `${d.line}:${d.message}`),
      ['1:unterminated quoted string'],
    );
  });

  it('joins a line ending in a comma with the next one', () => {
    const { nodes } = parseConfigText('domain-macro tops com,\n   net,\n   org\nhost-id 1\n', 'c');
    assert.deepEqual(directives(nodes), ['domain-macro=tops|com,net,org', 'host-id=1']);
  });

  it('includes files relative to the including file, with wildcards, in sorted order', (t) => {
    const dir = tempDir(t);
    writeFiles(dir, {
      'main.config':
        'host-id 1\ninclude conf.d/*.conf\n<virtual-mta v1>\ninclude vmta/v1.inc\n</virtual-mta>\n',
      'conf.d/b.conf': 'postmaster b@example.com\n',
      'conf.d/a.conf': 'postmaster a@example.com\n',
      'conf.d/ignored.txt': 'garbage\n',
      'vmta/v1.inc': 'smtp-source-host 127.0.0.2 v1.example.com\n',
    });
    const { nodes, diagnostics, files } = parseConfigFile(join(dir, 'main.config'));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(directives(nodes).slice(0, 3), [
      'host-id=1',
      'postmaster=a@example.com',
      'postmaster=b@example.com',
    ]);
    const vmta = nodes[3]!;
    assert.ok(vmta.type === 'block');
    assert.equal(vmta.children[0]!.pos.file, join(dir, 'vmta/v1.inc'));
    assert.equal(files.length, 4);
  });

  it('reports include loops and missing include files at the include line', (t) => {
    const dir = tempDir(t);
    writeFiles(dir, {
      'a.conf': 'host-id 1\ninclude b.conf\n',
      'b.conf': 'include a.conf\ninclude missing.conf\n',
    });
    const { diagnostics } = parseConfigFile(join(dir, 'a.conf'));
    assert.equal(diagnostics.length, 2);
    assert.match(diagnostics[0]!.message, /include loop: .*a\.conf -> .*b\.conf -> .*a\.conf/);
    assert.equal(diagnostics[0]!.line, 1);
    assert.match(diagnostics[1]!.message, /cannot read include file ".*missing\.conf": ENOENT/);
  });

  it('stops at the include depth limit', (t) => {
    const dir = tempDir(t);
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}.conf`] = `include f${i + 1}.conf\n`;
    files['f20.conf'] = 'host-id 1\n';
    writeFiles(dir, files);
    const { diagnostics } = parseConfigFile(join(dir, 'f0.conf'));
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /too many include levels/);
  });
});
