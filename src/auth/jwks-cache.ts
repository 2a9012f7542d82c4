/**
 * The keys of a JWKS endpoint, kept so that the endpoint being down costs clients nothing it need
 * not: keys once fetched are served until a later fetch succeeds, however old they are (a refresh
 * that fails keeps them), and only a client whose key was never fetched has to wait for the
 * endpoint. Fetches are bounded in time, shared by everyone waiting, and spaced: at most one starts
 * per `minIntervalMs`, so an outage or a stream of tokens naming unknown keys cannot turn into a
 * fetch per connect.
 *
 * Centrifugo (internal/jwks/manager.go) fetches on a cache miss only, with a 1 s timeout, two
 * attempts and singleflight, and keeps a key for an hour after its last use; a failed fetch there is
 * reported as an invalid token. Here it is {@link JwksUnavailableError}, which clients may retry.
 */
import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../log.js';
import { JwksUnavailableError } from './jwks-error.js';
import { fetchJwksJson } from './jwks-fetch.js';

/** How a {@link JwksCache} fetches and keeps keys. */
export interface JwksCacheOptions {
  /** Names the endpoint in messages: the configuration key, e.g. `client.token.jwks_public_endpoint`. */
  source: string;
  /** Deadline of one fetch, ms. */
  timeoutMs: number;
  /** Age after which keys are fetched again (in the background: they are still served meanwhile), ms. */
  refreshIntervalMs: number;
  /** Least time between the starts of two fetches, ms. Default 1 000. */
  minIntervalMs?: number;
  /** Largest JWKS body, bytes. Default 1 MiB. */
  maxBytes?: number;
  /** Told when fetching starts failing and when it works again. */
  log?: Pick<Logger, 'warn' | 'info'>;
  /** The clock, for tests. */
  now?: () => number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

interface Loaded {
  local: LocalSet;
  fetchedAt: number;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    // Unref'd: a fetch waiting for its turn never holds a stopping process open.
    setTimeout(resolve, ms).unref();
  });

/** A JWKS endpoint's keys, fetched on demand and kept through outages. */
export class JwksCache {
  /** Fetches started so far. */
  fetches = 0;
  readonly #url: URL;
  readonly #options: Required<Omit<JwksCacheOptions, 'log'>> & Pick<JwksCacheOptions, 'log'>;
  #loaded: Loaded | undefined;
  #inFlight: Promise<Loaded> | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  /** Set while fetching fails: the error of the last attempt. */
  #failure: JwksUnavailableError | undefined;

  constructor(url: URL, options: JwksCacheOptions) {
    this.#url = url;
    this.#options = { minIntervalMs: 1000, maxBytes: 1024 * 1024, now: Date.now, ...options };
  }

  /**
   * The key resolver handed to `jwtVerify`.
   * @throws {JwksUnavailableError} when the key cannot be known because the endpoint is unavailable.
   * @throws jose's JWKSNoMatchingKey when a freshly fetched set has no key for the token.
   */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const loaded = this.#loaded;
    if (loaded === undefined) return (await this.#load(false)).local(header, token);
    if (this.#options.now() - loaded.fetchedAt >= this.#options.refreshIntervalMs) this.#refreshBehind();
    try {
      return await loaded.local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // The key may have been published since (a rotation): look again in a newer set, fetching one
      // if there is none yet — not sooner than minIntervalMs after the last fetch.
      const newer = this.#loaded !== loaded ? this.#loaded! : await this.#load(true);
      return newer.local(header, token);
    }
  };

  /** Starts a refresh that nobody waits for; the current keys are served meanwhile. */
  #refreshBehind(): void {
    this.#load(false).catch(() => {
      // Logged by #fetch; the stale keys stay.
    });
  }

  /**
   * The fetch in flight, or a new one. While fetching fails, a new fetch starts only once
   * minIntervalMs has passed since the last one started; before that the last error is thrown at
   * once. After a success, `waitTurn` delays a new fetch until then instead.
   */
  #load(waitTurn: boolean): Promise<Loaded> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const wait = this.#lastStart + this.#options.minIntervalMs - this.#options.now();
    if (wait > 0 && this.#failure !== undefined) return Promise.reject(this.#failure);
    const fetched = (waitTurn && wait > 0 ? sleep(wait) : Promise.resolve()).then(() => this.#fetch());
    const inFlight = fetched.finally(() => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    });
    this.#inFlight = inFlight;
    return inFlight;
  }

  async #fetch(): Promise<Loaded> {
    const { source, timeoutMs, maxBytes, log, now } = this.#options;
    this.#lastStart = now();
    this.fetches++;
    try {
      const json = await fetchJwksJson(this.#url, source, { timeoutMs, maxBytes });
      let local: LocalSet;
      try {
        local = createLocalJWKSet(json as Parameters<typeof createLocalJWKSet>[0]);
      } catch (err) {
        throw new JwksUnavailableError('body', `${source} answered JSON that is not a key set`, {
          cause: err,
        });
      }
      const loaded = { local, fetchedAt: now() };
      this.#loaded = loaded;
      if (this.#failure !== undefined) log?.info({ source }, 'JWKS endpoint is back: keys fetched');
      this.#failure = undefined;
      return loaded;
    } catch (err) {
      const failure =
        err instanceof JwksUnavailableError
          ? err
          : new JwksUnavailableError('network', `${source} could not be fetched`, { cause: err });
      // One line when an outage starts, not one per attempt.
      if (this.#failure === undefined) {
        const cached = this.#loaded !== undefined;
        log?.warn(
          { source, failure: failure.failure, reason: failure.message, servingCachedKeys: cached },
          cached
            ? 'JWKS endpoint unavailable: serving the keys fetched before'
            : 'JWKS endpoint unavailable: tokens needing its keys get a temporary error',
        );
      }
      this.#failure = failure;
      throw failure;
    }
  }
}
