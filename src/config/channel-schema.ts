/**
 * Channel options in the config file: `channel.without_namespace` and each entry of
 * `channel.namespaces`, with their defaults and cross-field rules (history, recovery, conflation).
 */
import { z } from 'zod';
import { bool, count, describeValue, duration, expected, section, text } from './fields.js';
import { namespaceProxyShape } from './proxy-schema.js';
import type { ChannelOptions } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a namespace name may contain. */
export const NAMESPACE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * `force_recovery_mode`: "stream" recovers every missed publication, "cache" only the latest. Centrifugo
 * also accepts "" for its default, so a Centrifugo config keeps working; it resolves to "stream".
 */
function recoveryMode() {
  return z
    .enum(['stream', 'cache', ''], { error: expected('"stream" or "cache"') })
    .default('stream')
    .transform((mode): 'stream' | 'cache' => (mode === 'cache' ? 'cache' : 'stream'));
}

/** `allowed_delta_types`: the delta encodings a subscriber may ask for; Fossil is the only one. */
function deltaTypes() {
  return z.array(z.enum(['fossil'], { error: expected('"fossil"') })).default([]);
}

/** Channel options with their defaults, shared by `without_namespace` and every namespace. */
const channelOptionsShape = {
  allow_subscribe_for_client: bool(true),
  allow_subscribe_for_anonymous: bool(false),
  allow_publish_for_subscriber: bool(false),
  allow_publish_for_client: bool(false),
  allow_publish_for_anonymous: bool(false),
  presence: bool(false),
  join_leave: bool(false),
  force_push_join_leave: bool(false),
  allow_presence_for_subscriber: bool(false),
  allow_presence_for_client: bool(false),
  allow_presence_for_anonymous: bool(false),
  allow_history_for_subscriber: bool(false),
  allow_history_for_client: bool(false),
  allow_history_for_anonymous: bool(false),
  allow_user_limited_channels: bool(true),
  allow_tags_filter: bool(false),
  history_size: count(0),
  history_ttl: duration(0),
  // Above zero: a stream's position is dropped this long after its last publish (reads do not
  // extend it), so channels published once are not kept forever.
  history_meta_ttl: duration(30 * DAY_MS, { positive: true }),
  force_recovery: bool(false),
  allow_recovery: bool(false),
  force_positioning: bool(false),
  allow_positioning: bool(false),
  force_recovery_mode: recoveryMode(),
  auto_cache_recover: bool(false),
  conflation_interval: duration(0),
  conflation_key: text(),
  allowed_delta_types: deltaTypes(),
  delta_publish: bool(false),
  ...namespaceProxyShape,
};

/** Options that only make sense for a channel that keeps history. */
const NEEDS_HISTORY = ['force_recovery', 'allow_recovery', 'force_positioning', 'allow_positioning'] as const;

/** Cross-field rules of one set of channel options; issues point at the key to change. */
function checkChannelOptions(options: ChannelOptions, ctx: z.RefinementCtx): void {
  const issue = (key: keyof ChannelOptions, message: string): void => {
    ctx.addIssue({ code: 'custom', path: [key], message, input: options[key] });
  };
  const { history_size: size, history_ttl: ttl } = options;
  if (size > 0 && ttl === 0) {
    issue('history_ttl', `history_size is ${size}, so expected a history_ttl greater than zero like "300s"`);
  }
  if (ttl > 0 && size === 0) {
    issue('history_size', `history_ttl is set, so expected a history_size greater than zero like 100`);
  }
  const hasHistory = size > 0 && ttl > 0;
  for (const key of NEEDS_HISTORY) {
    if (options[key] && !hasHistory) {
      issue(key, `${key} needs history: expected history_size > 0 and history_ttl > 0, or ${key}: false`);
    }
  }
  if (options.auto_cache_recover && !(options.force_recovery && options.force_recovery_mode === 'cache')) {
    issue(
      'auto_cache_recover',
      'auto_cache_recover needs force_recovery: true and force_recovery_mode: "cache", or auto_cache_recover: false',
    );
  }
  checkConflation(options, issue);
  if (hasHistory && options.history_meta_ttl < ttl) {
    issue(
      'history_meta_ttl',
      `expected a history_meta_ttl at least as long as history_ttl (${ttl} ms), got ${options.history_meta_ttl} ms`,
    );
  }
}

/** Shortest conflation window: shorter ones would only add timer work, not merge anything. */
export const MIN_CONFLATION_INTERVAL_MS = 10;

/** Conflated delivery skips offsets, so a position a subscriber tracks would see false gaps. */
const TRACKS_POSITION = [
  'force_recovery',
  'allow_recovery',
  'force_positioning',
  'allow_positioning',
] as const;

function checkConflation(
  options: ChannelOptions,
  issue: (key: keyof ChannelOptions, message: string) => void,
): void {
  const { conflation_interval: interval, conflation_key: key } = options;
  if (interval > 0 && interval < MIN_CONFLATION_INTERVAL_MS) {
    issue(
      'conflation_interval',
      `expected a conflation_interval of at least ${MIN_CONFLATION_INTERVAL_MS}ms like "100ms", or 0 to turn conflation off, got ${interval} ms`,
    );
  }
  if (key !== '' && interval === 0) {
    issue(
      'conflation_key',
      `conflation_key is set, so expected a conflation_interval greater than zero like "100ms", or conflation_key: ""`,
    );
  }
  if (key === 'tag:') {
    issue('conflation_key', 'expected a tag name after "tag:", like "tag:symbol", got "tag:"');
  }
  if (interval === 0) return;
  for (const flag of TRACKS_POSITION) {
    if (options[flag]) {
      issue(
        flag,
        `${flag} cannot be combined with conflation_interval: conflated delivery skips offsets; ` +
          `set ${flag}: false or conflation_interval: 0`,
      );
    }
  }
}

export const channelOptionsSchema = section(channelOptionsShape).superRefine(checkChannelOptions);

const namespaceSchema = z
  .strictObject(
    {
      name: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? 'missing: every namespace needs a name, like "chat"'
              : `expected a namespace name (a string), got ${describeValue(issue.input)}`,
        })
        .regex(NAMESPACE_NAME_PATTERN, {
          error: (issue) =>
            `expected a name of letters, digits, "_", "." or "-", got ${describeValue(issue.input)}`,
        }),
      ...channelOptionsShape,
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `expected a namespace (a mapping with at least "name"), got ${describeValue(issue.input)}`
          : undefined,
    },
  )
  .superRefine(checkChannelOptions);

export const namespacesSchema = z
  .array(namespaceSchema, {
    error: (issue) => `expected a list of namespaces, got ${describeValue(issue.input)}`,
  })
  .default(() => [])
  .superRefine((namespaces, ctx) => {
    const seen = new Map<string, number>();
    namespaces.forEach((namespace, index) => {
      const first = seen.get(namespace.name);
      if (first === undefined) {
        seen.set(namespace.name, index);
      } else {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: namespace.name,
          message: `expected a unique name, got "${namespace.name}" again (first at namespaces[${first}])`,
        });
      }
    });
  });
