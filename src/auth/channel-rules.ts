/**
 * How channel names are read, as Centrifugo reads them (`config.Container` of centrifugo v6):
 * private channels (`$name`, `$ns:name` — a `$` at the very start of the name), namespaces
 * (`ns:rest`, after that `$`), user-limited channels (`dialog#42,43`, personal `#42`), and the
 * length limit.
 */
import type { ChannelOptions, Config } from '../config/types.js';
import { ErrorCode } from '../protocol/codes.js';

/** The parts of the resolved configuration channel rules read; a whole `Config` fits. */
export interface ChannelRulesConfig {
  channel: Config['channel'];
  client: Pick<Config['client'], 'subscribe_to_user_personal_channel'>;
}

/** The namespace a channel belongs to and its options. */
export interface ChannelNamespace {
  /** Namespace name; `''` for channels without namespace. */
  namespace: string;
  options: ChannelOptions;
}

const namespaceSeparator = ':';
const privatePrefix = '$';
const userSeparator = '#';
const userListSeparator = ',';

/** Channel name rules of one configuration. Build once at start-up; every method is pure. */
export class ChannelRules {
  readonly #maxLength: number;
  readonly #withoutNamespace: ChannelOptions;
  readonly #namespaces = new Map<string, ChannelOptions>();
  readonly #personalNamespace: string;

  constructor(config: ChannelRulesConfig) {
    this.#maxLength = config.channel.max_length;
    this.#withoutNamespace = config.channel.without_namespace;
    for (const ns of config.channel.namespaces) {
      // The config loader rejects duplicate names; should one slip through, the first wins.
      if (!this.#namespaces.has(ns.name)) this.#namespaces.set(ns.name, ns);
    }
    this.#personalNamespace = config.client.subscribe_to_user_personal_channel.personal_channel_namespace;
  }

  /**
   * The namespace of a channel: the part before the first `:`, once a leading private `$` is set
   * aside (`$chat:x` is in `chat`). Channels without `:`, or with an empty prefix, use
   * `channel.without_namespace`. Null when that namespace is not configured.
   */
  namespaceOf(channel: string): ChannelNamespace | null {
    const name = channel.startsWith(privatePrefix) ? channel.slice(privatePrefix.length) : channel;
    const at = name.indexOf(namespaceSeparator);
    const namespace = at < 0 ? '' : name.slice(0, at);
    if (namespace === '') return { namespace: '', options: this.#withoutNamespace };
    const options = this.#namespaces.get(namespace);
    return options === undefined ? null : { namespace, options };
  }

  /**
   * Checks a channel name: `ErrorCode.BadRequest` when empty or longer than `channel.max_length`
   * characters, `ErrorCode.UnknownChannel` when its namespace is not configured, else null.
   */
  validate(channel: string): ErrorCode | null {
    if (channel === '' || characterCount(channel, this.#maxLength) > this.#maxLength) {
      return ErrorCode.BadRequest;
    }
    if (this.namespaceOf(channel) === null) return ErrorCode.UnknownChannel;
    return null;
  }

  /**
   * Whether the channel is private (always needs a subscription token): its whole name starts with
   * `$` (`$secret`, `$chat:secret`). A `$` after the namespace (`chat:$x`) is an ordinary character.
   */
  isPrivate(channel: string): boolean {
    return channel.startsWith(privatePrefix);
  }

  /**
   * The users a user-limited channel is limited to: the comma-separated list after the last `#`
   * (`dialog#42,43` gives ["42", "43"], `#42` gives ["42"]). Entries are kept as they are, empty
   * ones too: `dialog#` gives [""], which admits the anonymous user `""`, as in Centrifugo. Null
   * when the channel has no `#`.
   */
  allowedUsers(channel: string): string[] | null {
    const at = channel.lastIndexOf(userSeparator);
    if (at < 0) return null;
    return channel.slice(at + 1).split(userListSeparator);
  }

  /** The personal channel of a user: `#<user>`, or `<ns>:#<user>` with a personal channel namespace. */
  personalChannel(user: string): string {
    const name = userSeparator + user;
    return this.#personalNamespace === '' ? name : this.#personalNamespace + namespaceSeparator + name;
  }
}

/** Length in Unicode code points, counted only as far as needed to exceed `limit`. */
function characterCount(text: string, limit: number): number {
  // UTF-16 length bounds the code point count from above: within the limit means within it.
  if (text.length <= limit) return text.length;
  let count = 0;
  for (const _ of text) {
    count++;
    if (count > limit) break;
  }
  return count;
}
