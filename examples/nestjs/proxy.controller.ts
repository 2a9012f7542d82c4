/**
 * Switchboard's proxies (Centrifugo v6's HTTP proxy protocol) answered by the application:
 * `POST /centrifugo/{connect,refresh,subscribe,publish,rpc}`, always 200 with `{result}`,
 * `{error: {code, message}}` or `{disconnect: {code, reason}}`.
 *
 * - connect authenticates the request that opened the connection (its `Authorization: Bearer`
 *   header or `session` cookie, forwarded by the node where `http_headers` lists them): the user,
 *   their info, data for the client, the personal channel `orders:#<user>` as a server-side
 *   subscription, and an expiry; no or unknown credentials are error 4001;
 * - refresh, when the connection expires, checks the session is still there (`expired` after a
 *   logout, and the node closes the connection);
 * - subscribe lets logged-in users into `orders:*` channels, `orders:staff` only for staff;
 * - publish accepts comments (`{"text": …}`) on `orders:comments` only, stores them and publishes
 *   them with their id, author and time; anything else is error 4002;
 * - rpc answers `orders.list` (the user's orders) and `comments.list`.
 *
 * After connect the node names the user in every request (`user`); it is trusted here, so these
 * routes must be reachable by the node only: with `PROXY_SECRET` set, every request must carry it
 * in `X-Switchboard-Proxy-Secret` (the node's `http.static_headers`), or it is answered 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  Post,
  UseGuards,
} from '@nestjs/common';
import { COMMENTS_CHANNEL, OrdersService, userChannel } from './orders.service.js';
import { SessionsService, type User } from './sessions.js';

export interface ProxyOptions {
  /** Connections expire this long after connect or their last refresh. */
  connectionTtlSeconds: number;
  /** Expected in `X-Switchboard-Proxy-Secret`; empty: not checked. */
  secret: string;
}

export const PROXY_OPTIONS = Symbol('PROXY_OPTIONS');

export const PROXY_SECRET_HEADER = 'x-switchboard-proxy-secret';

/** What the node sends: the fields these handlers read (the rest are ignored). */
interface ProxyRequest {
  client?: string;
  user?: string;
  channel?: string;
  method?: string;
  data?: unknown;
}

type ProxyError = { error: { code: number; message: string; temporary?: boolean } };
type ProxyReply<R> = { result: R } | ProxyError;

export const UNAUTHORIZED: ProxyError = { error: { code: 4001, message: 'unauthorized' } };
const FORBIDDEN: ProxyError = { error: { code: 4003, message: 'forbidden' } };
const MAX_COMMENT_LENGTH = 500;

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Refuses (401) a request without the proxy secret, when one is configured. */
@Injectable()
export class ProxySecretGuard implements CanActivate {
  constructor(@Inject(PROXY_OPTIONS) private readonly options: ProxyOptions) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.options.secret === '') return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      PROXY_SECRET_HEADER
    ];
    return typeof header === 'string' && sameSecret(header, this.options.secret);
  }
}

@Controller('centrifugo')
@UseGuards(ProxySecretGuard)
export class CentrifugoProxyController {
  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(PROXY_OPTIONS) private readonly options: ProxyOptions,
  ) {}

  private expireAt(): number {
    return Math.floor(Date.now() / 1000) + this.options.connectionTtlSeconds;
  }

  /** The user the node says the request is for (set by connect), if they still exist. */
  private userOf(req: ProxyRequest | undefined): User | undefined {
    return typeof req?.user === 'string' && req.user !== '' ? this.sessions.user(req.user) : undefined;
  }

  @Post('connect')
  @HttpCode(200)
  connect(
    @Headers('authorization') authorization: string | undefined,
    @Headers('cookie') cookie: string | undefined,
  ) {
    const user = this.sessions.authenticate({ authorization, cookie });
    if (user === undefined || user === null) return UNAUTHORIZED;
    return {
      result: {
        user: user.id,
        expire_at: this.expireAt(),
        // In every publication and presence entry of this connection, as `conn_info`.
        info: { name: user.name, role: user.role },
        // For the client only, in its connect reply.
        data: { user: user.id, name: user.name, role: user.role },
        channels: [userChannel(user.id)],
      },
    };
  }

  @Post('refresh')
  @HttpCode(200)
  refresh(
    @Body() req: ProxyRequest,
    @Headers('authorization') authorization: string | undefined,
    @Headers('cookie') cookie: string | undefined,
  ) {
    // The headers are those of the request that opened the connection: the session still has to be there.
    const user = this.sessions.authenticate({ authorization, cookie });
    if (user === undefined || user === null || user.id !== req?.user) return { result: { expired: true } };
    return { result: { expire_at: this.expireAt(), info: { name: user.name, role: user.role } } };
  }

  @Post('subscribe')
  @HttpCode(200)
  subscribe(@Body() req: ProxyRequest): ProxyReply<{ info: object; data?: object }> {
    const user = this.userOf(req);
    if (user === undefined) return UNAUTHORIZED;
    const channel = req.channel ?? '';
    if (!channel.startsWith('orders:')) return FORBIDDEN;
    if (channel === 'orders:staff' && user.role !== 'staff') return FORBIDDEN;
    // Channel info: in the publications this client makes in the channel, as `chan_info`.
    const info = { role: user.role };
    if (channel === COMMENTS_CHANNEL)
      return { result: { info, data: { recent: this.orders.recentComments() } } };
    return { result: { info } };
  }

  @Post('publish')
  @HttpCode(200)
  publish(@Body() req: ProxyRequest) {
    const user = this.userOf(req);
    if (user === undefined) return UNAUTHORIZED;
    if (req.channel !== COMMENTS_CHANNEL) return FORBIDDEN;
    // `data` is the client's JSON as it sent it (a client sending non-JSON bytes comes as `b64data`).
    const text = (req.data as { text?: unknown } | null | undefined)?.text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_COMMENT_LENGTH) {
      return {
        error: {
          code: 4002,
          message: `a comment is {"text": a non-empty string of at most ${MAX_COMMENT_LENGTH} characters}`,
        },
      };
    }
    // Published as stored: the node sends the subscribers this data instead of the client's.
    return { result: { data: this.orders.addComment(user.id, text.trim()) } };
  }

  @Post('rpc')
  @HttpCode(200)
  rpc(@Body() req: ProxyRequest) {
    const user = this.userOf(req);
    if (user === undefined) return UNAUTHORIZED;
    switch (req.method) {
      case 'orders.list':
        return { result: { data: { orders: this.orders.ordersOf(user.id) } } };
      case 'comments.list':
        return { result: { data: { comments: this.orders.recentComments() } } };
      default:
        return { error: { code: 104, message: 'method not found' } };
    }
  }
}
