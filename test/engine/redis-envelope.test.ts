/**
 * The Redis engine's wire envelope and key layout: pure functions, no server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMessage,
  decodeStored,
  EnvelopeError,
  encodeBody,
  encodeControl,
  encodeJoin,
  encodeLeave,
  encodePublication,
  escapeChannel,
  hashSlot,
  KeySpace,
} from '../../src/engine/redis/index.js';
import type { Publication } from '../../src/protocol/types.js';

const info = { user: 'u1', client: 'c1', conn_info: { device: 'ü:😀' }, chan_info: [1, ':'] };

describe('redis envelope: publications', () => {
  it('keeps data verbatim, with colons and multibyte characters, without history', () => {
    const pub: Publication = { data: '{"text":"a:b::c","emoji":"😀 ü 中文","n":1}' };
    const message = encodePublication(encodeBody(pub));
    assert.equal(message, `p::0:${pub.data}`);
    assert.deepEqual(decodeMessage('ch', message), {
      type: 'publication',
      channel: 'ch',
      pub,
      epoch: undefined,
    });
  });

  it('carries offset, epoch, info, tags and time', () => {
    const pub: Publication = { data: '"x:😀"', info, tags: { k: 'v:😀' }, time: 1700000000000 };
    const message = encodePublication(encodeBody(pub), 42, 'abc123');
    const event = decodeMessage('room:1', message);
    assert.deepEqual(event, {
      type: 'publication',
      channel: 'room:1',
      pub: { ...pub, offset: 42 },
      epoch: 'abc123',
    });
  });

  it('leaves unset fields out of the decoded publication', () => {
    const event = decodeMessage('ch', encodePublication(encodeBody({ data: '1', tags: { a: 'b' } }), 1, 'e'));
    assert.equal(event.type, 'publication');
    if (event.type !== 'publication') return;
    assert.deepEqual(Object.keys(event.pub).sort(), ['data', 'offset', 'tags']);
  });

  it('encodes an empty meta as length 0 and empty data as nothing', () => {
    assert.equal(encodeBody({ data: '' }), '0:');
    assert.deepEqual(decodeStored('0:', 7), { data: '', offset: 7 });
  });

  it('measures the meta in UTF-16 code units, so multibyte meta is sliced exactly', () => {
    const body = encodeBody({ data: '{"d":"😀"}', info: { user: '😀😀', client: 'c' } });
    const json = JSON.stringify({ info: { user: '😀😀', client: 'c' } });
    assert.equal(body, `${json.length}:${json}{"d":"😀"}`);
    assert.deepEqual(decodeStored(body, 3), {
      data: '{"d":"😀"}',
      info: { user: '😀😀', client: 'c' },
      offset: 3,
    });
  });

  it('decodes a stored body with the offset of its stream entry', () => {
    const pub: Publication = { data: '[1,2,":"]', time: 5 };
    assert.deepEqual(decodeStored(encodeBody(pub), 9), { ...pub, offset: 9 });
  });
});

describe('redis envelope: joins, leaves, control', () => {
  it('round-trips joins and leaves', () => {
    assert.deepEqual(decodeMessage('ch', encodeJoin(info)), { type: 'join', channel: 'ch', info });
    assert.deepEqual(decodeMessage('ch', encodeLeave(info)), { type: 'leave', channel: 'ch', info });
  });

  it('round-trips control data verbatim on the control channel', () => {
    const data = '{"op":"disconnect","user":"😀:1"}';
    assert.deepEqual(decodeMessage(undefined, encodeControl(data)), { type: 'control', data });
  });

  it('rejects malformed messages with EnvelopeError', () => {
    const bad = { code: 'ENGINE_BAD_ENVELOPE' };
    for (const message of ['', 'x', 'p', 'p1:', 'p1:e:', 'pa:e:0:1', 'p::9:{}', 'p::0', 'j{', 'p::2:{x']) {
      assert.throws(() => decodeMessage('ch', message), bad, JSON.stringify(message));
    }
    assert.throws(() => decodeMessage(undefined, 'p::0:1'), EnvelopeError);
  });
});

describe('redis keys', () => {
  it('puts every key and the topic of a channel in one cluster slot', () => {
    const keys = new KeySpace('sb');
    for (const channel of ['news', 'user#42', 'a}b', '', '{x}', 'emoji😀', 'back\\slash']) {
      const k = keys.channel(channel);
      const slot = hashSlot(k.topic);
      for (const key of [k.stream, k.meta, k.presence, k.presenceExpiry, keys.idempotency(channel, 'i}:x')]) {
        assert.equal(hashSlot(key), slot, `${JSON.stringify(channel)}: ${key}`);
      }
    }
  });

  it('uses the layout <prefix>:{<channel>}:<suffix>', () => {
    const k = new KeySpace('sb').channel('news');
    assert.deepEqual(k, {
      topic: 'sb:{news}',
      stream: 'sb:{news}:s',
      meta: 'sb:{news}:m',
      presence: 'sb:{news}:p',
      presenceExpiry: 'sb:{news}:pz',
    });
    assert.equal(new KeySpace('sb').idempotency('news', 'k1'), 'sb:{news}:i:k1');
    assert.equal(new KeySpace('sb').control, 'sb:control');
  });

  it('escapes channels injectively, so no channel spells another channel key', () => {
    const channels = ['a', 'a}', 'a\\)', 'a\\', 'a\\\\', '', '\\_', '}', '\\)'];
    const escaped = channels.map(escapeChannel);
    assert.equal(new Set(escaped).size, channels.length);
    for (const e of escaped) assert.ok(!e.includes('}') && e.length > 0, e);
  });

  it('computes the slots Redis computes', () => {
    // Values from CLUSTER KEYSLOT.
    assert.equal(hashSlot('foo'), 12182);
    assert.equal(hashSlot('{user1000}.following'), hashSlot('user1000'));
    assert.equal(hashSlot('foo{}{bar}'), 8363, 'an empty tag hashes the whole key');
    assert.equal(hashSlot('foo{{bar}}zap'), hashSlot('{bar'));
    assert.equal(hashSlot('123456789'), 12739);
  });

  it('rejects a prefix with braces or an empty one', () => {
    assert.throws(() => new KeySpace('a{b}'), { code: 'ENGINE_INVALID_ARGUMENT' });
    assert.throws(() => new KeySpace(''), { code: 'ENGINE_INVALID_ARGUMENT' });
  });
});
