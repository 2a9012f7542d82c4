/** One problem found in a configuration. */
export interface ConfigIssue {
  /**
   * What was wrong: a dotted config key (`channel.namespaces[1].history_ttl`), an environment variable
   * or flag with the key it sets (`SWITCHBOARD_PORT (http_server.port)`), or a config file path.
   */
  readonly key: string;
  /** What is expected instead, and what was found. */
  readonly message: string;
}

/** Formats an issue as one line that names its key. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `config key "${issue.key}": ${issue.message}`;
}

/**
 * The configuration cannot be used: a file is missing or malformed, or a value (from a file, the
 * environment or a flag) is invalid. Every issue found is in {@link ConfigError.issues}; the first one
 * is in {@link ConfigError.key} and starts the message.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  /** The key of the first issue. */
  readonly key: string;
  /** Every issue found, in the order they were found; never empty. */
  readonly issues: readonly ConfigIssue[];
  /** The config file involved, when there was one. */
  readonly file: string | undefined;

  /**
   * @param issues at least one issue.
   * @param options.message replaces the default message (one line per issue, the first first).
   */
  constructor(
    issues: readonly [ConfigIssue, ...ConfigIssue[]],
    options: { file?: string; message?: string; cause?: unknown } = {},
  ) {
    super(options.message ?? issues.map(formatConfigIssue).join('\n'), { cause: options.cause });
    this.key = issues[0].key;
    this.issues = issues;
    this.file = options.file;
  }

  /** A problem with the config file as a whole (cannot be read or parsed); its key is the file path. */
  static forFile(file: string, message: string, cause?: unknown): ConfigError {
    return new ConfigError([{ key: file, message }], {
      file,
      message: `config file "${file}": ${message}`,
      cause,
    });
  }
}

/** A string is not a duration `parseDuration` accepts. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  readonly code = 'DURATION_INVALID';
}
