/**
 * `client.max_publication_size`: half of `client.queue_max_size` unless set; a value above that half
 * (a publication the node could not deliver next to another one) fails start-up naming the key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig, loadConfig, resolveConfig } from '../../src/config/index.js';
import { assertConfigError, rejectsConfigError } from './assert-config-error.js';

describe('client.max_publication_size', () => {
  it('defaults to half of client.queue_max_size', () => {
    assert.equal(defaultConfig().client.max_publication_size, 512 * 1024);
    const config = resolveConfig({ client: { queue_max_size: 65_536 } });
    assert.equal(config.client.max_publication_size, 32_768);
  });

  it('accepts a value up to half of the queue', () => {
    const config = resolveConfig({ client: { queue_max_size: 65_536, max_publication_size: 32_768 } });
    assert.equal(config.client.max_publication_size, 32_768);
    assert.equal(resolveConfig({ client: { max_publication_size: 1024 } }).client.max_publication_size, 1024);
  });

  it('refuses a value above half of the queue, naming the key', () => {
    resolveConfig({ client: { queue_max_size: 65_536, max_publication_size: 32_768 } });
    assertConfigError(
      () => resolveConfig({ client: { queue_max_size: 65_536, max_publication_size: 32_769 } }),
      'client.max_publication_size',
    );
    assertConfigError(
      () => resolveConfig({ client: { max_publication_size: 2 * 1024 * 1024 } }),
      'client.max_publication_size',
    );
  });

  it('refuses 0 and non-integers', () => {
    assert.equal(resolveConfig({ client: { max_publication_size: 1 } }).client.max_publication_size, 1);
    assertConfigError(
      () => resolveConfig({ client: { max_publication_size: 0 } }),
      'client.max_publication_size',
    );
    assertConfigError(
      () => resolveConfig({ client: { max_publication_size: '1MB' } }),
      'client.max_publication_size',
    );
  });

  it('a config file with an inconsistent value fails to load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-pubsize-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ client: { queue_max_size: 1000, max_publication_size: 500 } }));
      assert.equal((await loadConfig({ file, env: {} })).client.max_publication_size, 500);
      await writeFile(file, JSON.stringify({ client: { queue_max_size: 1000, max_publication_size: 900 } }));
      await rejectsConfigError(loadConfig({ file, env: {} }), 'client.max_publication_size');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
