/**
 * `POST /login` with `{"user", "password"}`: 200 with `{"token"}` and the same token as the
 * `session` cookie (HttpOnly), 401 for wrong credentials. `POST /logout` ends the session the
 * request carries; a connection opened with it is closed at its next refresh.
 */
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { SESSION_COOKIE, SessionsService } from './sessions.js';

/** Just what these handlers use of the platform's response (Express). */
interface CookieResponse {
  cookie(name: string, value: string, options: Record<string, unknown>): unknown;
  clearCookie(name: string, options: Record<string, unknown>): unknown;
}

const COOKIE_OPTIONS = { httpOnly: true, sameSite: 'lax', path: '/' };

@Controller()
export class AuthController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Post('login')
  @HttpCode(200)
  login(
    @Body() body: { user?: unknown; password?: unknown },
    @Res({ passthrough: true }) res: CookieResponse,
  ): { token: string } {
    const { user, password } = body ?? {};
    const token =
      typeof user === 'string' && typeof password === 'string'
        ? this.sessions.login(user, password)
        : undefined;
    if (token === undefined) throw new UnauthorizedException('wrong user or password');
    res.cookie(SESSION_COOKIE, token, COOKIE_OPTIONS);
    return { token };
  }

  @Post('logout')
  @HttpCode(204)
  logout(
    @Headers('authorization') authorization: string | undefined,
    @Headers('cookie') cookie: string | undefined,
    @Res({ passthrough: true }) res: CookieResponse,
  ): void {
    const token = this.sessions.tokenOf({ authorization, cookie });
    if (token !== undefined) this.sessions.logout(token);
    res.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
  }
}
