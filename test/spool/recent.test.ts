import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpoolEnvelope } from '../../src/spool/index.js';
import { RecentMessages } from '../../src/spool/recent.js';

const envelope = (id: string) => ({ id }) as SpoolEnvelope;

describe('recently stored messages in memory', () => {
  it('keeps messages within the byte budget, oldest out first, and forgets finished ones', () => {
    const recent = new RecentMessages(100);
    recent.add(envelope('a'), Buffer.alloc(40));
    recent.add(envelope('b'), Buffer.alloc(40));
    recent.add(envelope('c'), Buffer.alloc(40));
    assert.equal(recent.get('a'), undefined, 'the oldest left to make room');
    assert.ok(recent.get('b') && recent.get('c'));
    recent.forget('b');
    assert.equal(recent.get('b'), undefined);
    recent.add(envelope('d'), Buffer.alloc(60));
    assert.ok(recent.get('c') && recent.get('d'), 'forgetting freed its bytes');
    recent.add(envelope('huge'), Buffer.alloc(101));
    assert.equal(recent.get('huge'), undefined, 'a message above the budget is never kept');
    assert.ok(recent.get('d'), 'and evicts nothing');
  });
});
