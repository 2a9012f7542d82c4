/** The mount prefix: which prefixes are accepted, and which URLs are under one (and as what). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountPrefix, stripMountPrefix } from '../../src/embed/mount-prefix.js';
import { EmbedOptionError } from '../../src/embed/option-error.js';

describe('mount prefix', () => {
  it('accepts empty, / and plain paths', () => {
    assert.equal(parseMountPrefix(undefined), '');
    assert.equal(parseMountPrefix(''), '');
    assert.equal(parseMountPrefix('/'), '');
    assert.equal(parseMountPrefix('/realtime'), '/realtime');
    assert.equal(parseMountPrefix('/a/b-c_d.e'), '/a/b-c_d.e');
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of [
      'realtime',
      '/realtime/',
      '//x',
      '/a//b',
      '/a/./b',
      '/a/..',
      '/a?b',
      '/a#b',
      '/a*',
      '/a b',
    ]) {
      assert.throws(
        () => parseMountPrefix(bad),
        (error: unknown) => error instanceof EmbedOptionError && error.option === 'prefix',
        bad,
      );
    }
  });

  it('strips the prefix from the URLs under it, and only those', () => {
    const cases: [string, string, string | undefined][] = [
      ['/realtime/api/publish', '/realtime', '/api/publish'],
      [
        '/realtime/connection/websocket?format=protobuf',
        '/realtime',
        '/connection/websocket?format=protobuf',
      ],
      ['/realtime', '/realtime', '/'],
      ['/realtime?x=1', '/realtime', '/?x=1'],
      ['/realtimex/api', '/realtime', undefined],
      ['/api/publish', '/realtime', undefined],
      ['/', '/realtime', undefined],
      ['/api/publish', '', '/api/publish'],
    ];
    for (const [url, prefix, expected] of cases) assert.equal(stripMountPrefix(url, prefix), expected, url);
  });
});
