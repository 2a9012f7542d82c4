/** The error an embedding API throws for an option it cannot use, naming the option. */
export class EmbedOptionError extends Error {
  override readonly name = 'EmbedOptionError';
  readonly code = 'EMBED_OPTION_INVALID';

  /**
   * @param option the option's name (`prefix`, `http_server.tls`)
   * @param problem what is wrong and what to do, after the option's name
   */
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`option "${option}": ${problem}`);
  }
}
