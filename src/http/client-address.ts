/**
 * The address of the client behind a request. Behind a load balancer every socket comes from the
 * balancer, so for a request whose socket peer is listed in `http_server.trusted_proxies` (addresses
 * or CIDR ranges) the client is read from `X-Forwarded-For`: the right-most address that is not itself
 * a trusted proxy (each proxy appends the peer it saw, so entries left of the first untrusted one
 * could be made up by the client). Any other request's client is its socket peer: a header sent
 * straight to the node is ignored. IPv4 addresses mapped into IPv6 (`::ffff:10.0.0.1`) are written
 * and matched as IPv4.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../config/errors.js';

/** What a request offers to find its client: its socket's peer and its headers. */
export interface AddressedRequest {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly headers: IncomingHttpHeaders;
}

/** `::ffff:1.2.3.4` as `1.2.3.4`; other addresses as they are. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** One `X-Forwarded-For` entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:80`; else undefined. */
function forwardedAddress(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed !== null) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) === 0 ? undefined : unmapped(text);
}

/** The trusted proxies of `http_server.trusted_proxies`, checked once at start-up. */
export class TrustedProxies {
  private readonly list = new BlockList();

  /**
   * @throws {ConfigError} naming the entry (`http_server.trusted_proxies[1]`) that is not an IPv4
   *   or IPv6 address or CIDR range.
   */
  constructor(
    entries: readonly string[],
    /** The config key the entries come from, for errors. */
    key = 'http_server.trusted_proxies',
  ) {
    this.size = entries.length;
    entries.forEach((entry, i) => {
      const problem = this.add(entry.trim());
      if (problem !== undefined) {
        throw new ConfigError([
          {
            key: `${key}[${i}]`,
            message: `expected an IP address or a CIDR range (10.0.0.0/8, fd00::/8), got ${JSON.stringify(entry)}${problem}`,
          },
        ]);
      }
    });
  }

  /** How many entries were configured; 0: no proxy is trusted and headers are never read. */
  readonly size: number;

  /** Whether `address` (a socket's peer) is a trusted proxy. */
  trusts(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client's address of `req` (see the file's comment); '' when the socket has gone. */
  clientAddress(req: AddressedRequest): string {
    const peer = unmapped(req.socket.remoteAddress ?? '');
    if (this.size === 0 || !this.trusts(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
    let client = peer;
    for (let i = entries.length - 1; i >= 0; i--) {
      const address = forwardedAddress(entries[i]!);
      // A malformed entry ends the walk: what lies left of it cannot be trusted either.
      if (address === undefined) break;
      client = address;
      if (!this.trusts(address)) break;
    }
    return client;
  }

  /** Adds one entry; returns why it cannot be used, or undefined. */
  private add(entry: string): string | undefined {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    if (family === 0) return '';
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) {
      this.list.addAddress(address, type);
      return undefined;
    }
    const bits = entry.slice(slash + 1);
    const prefix = Number(bits);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bits) || prefix > max) return ` (a prefix length of 0 to ${max} after the /)`;
    this.list.addSubnet(address, prefix, type);
    return undefined;
  }
}

const cache = new WeakMap<readonly string[], TrustedProxies>();

/** The trusted proxies of a config's `http_server.trusted_proxies`, parsed once per list. */
export function trustedProxiesOf(config: {
  readonly http_server: { readonly trusted_proxies: readonly string[] };
}): TrustedProxies {
  const entries = config.http_server.trusted_proxies;
  let trusted = cache.get(entries);
  if (trusted === undefined) {
    trusted = new TrustedProxies(entries);
    cache.set(entries, trusted);
  }
  return trusted;
}
