/**
 * Protobuf messages the server must refuse or treat specially (truncated varints, lengths beyond
 * the message, unknown methods, commands without an id, too many commands, invalid UTF-8), pings
 * and pongs, and the close codes a Protobuf session ends with.
 */
import protobuf from 'protobufjs';
import type { Client } from '../client.js';
import { PROTOBUF_PONG } from '../protobuf.js';
import type { DiffCase, Script } from '../script.js';
import { jsonBytes, protobufClient } from './protobuf.js';

type Json = Record<string, unknown>;

/** One length-delimited client message written by hand: `build` writes the `Command`'s fields. */
function handWritten(build: (w: protobuf.Writer) => protobuf.Writer): Buffer {
  const command = build(protobuf.Writer.create()).finish();
  return Buffer.from(protobuf.Writer.create().bytes(command).finish());
}

/** Field tag: number and wire type (0 varint, 2 length-delimited). */
function tag(field: number, wire: 0 | 2): number {
  return (field << 3) | wire;
}

/** A command every connected client may send (presence_stats of an `open` channel): is it still served? */
function probe(s: Script, c: Client): Promise<Json> {
  return c.cmd('presence_stats', { channel: s.channel('open', 'probe') });
}

const frameCases: DiffCase[] = [
  {
    name: 'protobuf/ping-command',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('ping');
      await c.quiet();
    },
  },
  {
    name: 'protobuf/pong-without-ping',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.sendBytes(PROTOBUF_PONG, true, 'an empty Command (the pong)');
      await c.quiet(300);
      await probe(s, c);
      await c.quiet();
    },
  },
  {
    name: 'protobuf/truncated-varint',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.sendBytes(Buffer.from([0x80]), true, 'a length varint cut short (0x80)');
      await c.closed();
    },
  },
  {
    name: 'protobuf/length-beyond-message',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.sendBytes(Buffer.from([0x0a, 0x08, 0x02]), true, 'length 10, then 2 bytes');
      await c.closed();
    },
  },
  {
    name: 'protobuf/truncated-field-inside-command',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      // A Command whose subscribe field claims 5 bytes and holds 1.
      const bytes = handWritten((w) =>
        w.uint32(tag(1, 0)).uint32(2).uint32(tag(5, 2)).uint32(5).uint32(0x0a),
      );
      c.sendBytes(bytes, true, 'Command{id: 2, subscribe: 5 bytes claimed, 1 there}');
      await c.closed();
    },
  },
  {
    name: 'protobuf/good-command-then-truncated',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      const good = handWritten((w) =>
        w
          .uint32(tag(1, 0))
          .uint32(2)
          .uint32(tag(9, 2))
          .fork()
          .uint32(tag(1, 2))
          .string(s.channel('open'))
          .ldelim(),
      );
      c.sendBytes(
        Buffer.concat([good, Buffer.from([0x80])]),
        true,
        'Command{id: 2, presence_stats} then a cut varint',
      );
      await c.closed();
    },
  },
  {
    name: 'protobuf/unknown-method',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      const id = c.takeId();
      c.sendBytes(
        handWritten((w) => w.uint32(tag(1, 0)).uint32(id).uint32(tag(20, 2)).uint32(0)),
        true,
        `Command{id: ${id}, field 20: empty message}`,
      );
      await c.reply(id);
      await c.quiet();
    },
  },
  {
    name: 'protobuf/unknown-method-before-connect',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      c.sendBytes(
        handWritten((w) => w.uint32(tag(1, 0)).uint32(1).uint32(tag(20, 2)).uint32(0)),
        true,
        'Command{id: 1, field 20: empty message}',
      );
      await c.closed();
    },
  },
  {
    name: 'protobuf/command-without-id',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.send({ presence_stats: { channel: s.channel('open') } });
      await c.quiet();
      await probe(s, c);
    },
  },
  {
    name: 'protobuf/send-without-id',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.send({ send: { data: jsonBytes({ a: 1 }) } });
      await c.quiet(300);
      await probe(s, c);
    },
  },
  {
    name: 'protobuf/two-methods',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      const channel = s.channel('open');
      c.send({ id: c.takeId(), presence_stats: { channel }, history: { channel, limit: 1 } });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/several-in-one-message',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      const channel = s.channel('open');
      c.send({ id: c.takeId(), subscribe: { channel } }, { id: c.takeId(), presence_stats: { channel } });
      await c.recv(2);
      await c.quiet();
    },
  },
  ...[256, 257].map(
    (count): DiffCase => ({
      name: `protobuf/${count}-commands-in-one-message`,
      async run(s) {
        const c = await protobufClient(s, 'alice');
        const channel = s.channel('open');
        const commands = Array.from({ length: count }, () => ({
          id: c.takeId(),
          presence_stats: { channel },
        }));
        c.sendCommandsQuietly(commands, `${count} presence_stats commands`);
        await c.quiet(1500);
      },
    }),
  ),
  {
    name: 'protobuf/invalid-utf8-channel',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      const id = c.takeId();
      const channel = Buffer.concat([Buffer.from('open:'), Buffer.from([0xff, 0xfe])]);
      c.sendBytes(
        handWritten((w) =>
          w.uint32(tag(1, 0)).uint32(id).uint32(tag(5, 2)).fork().uint32(tag(1, 2)).bytes(channel).ldelim(),
        ),
        true,
        `Command{id: ${id}, subscribe{channel: "open:" 0xff 0xfe}}`,
      );
      await c.quiet(500);
    },
  },
  {
    name: 'protobuf/json-text-frame',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.sendRaw(JSON.stringify({ id: c.takeId(), presence_stats: { channel: s.channel('open') } }));
      await c.closed();
    },
  },
  {
    name: 'protobuf/message-too-big',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      c.send({
        id: c.takeId(),
        publish: { channel: s.channel('open'), data: jsonBytes('x'.repeat(70_000)) },
      });
      await c.closed();
    },
  },
  {
    name: 'protobuf/api-disconnect',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await s.api('disconnect', { user: 'alice', disconnect: { code: 4001, reason: 'go away' } });
      await c.closed();
    },
  },
];

const timingCases: DiffCase[] = [
  {
    name: 'protobuf/ping-pong-then-no-pong',
    profile: 'timing',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.recv(1, 4000); // the first ping: an empty Reply
      c.sendBytes(PROTOBUF_PONG, true, 'an empty Command (the pong)');
      await c.recv(1, 4000); // the second ping, left unanswered
      await c.closed(4000);
    },
  },
  {
    name: 'protobuf/connection-expires',
    profile: 'timing',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf', autoPong: true });
      // Two seconds, not one: Switchboard's ttl would be 0 (left out in Protobuf) where
      // Centrifugo's is 1 (it counts whole seconds, Switchboard rounds the milliseconds down).
      await c.cmd('connect', { token: await s.token('alice', { exp: Math.floor(Date.now() / 1000) + 2 }) });
      await c.closed(5000);
    },
  },
];

/** Cases of malformed Protobuf messages, pings and close codes. */
export const protobufFrameCases: DiffCase[] = [...frameCases, ...timingCases];
