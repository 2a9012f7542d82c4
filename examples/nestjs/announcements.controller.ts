/**
 * `POST /announcements` with `{"text": "…"}` publishes `{"text"}` to the `announcements` channel
 * through the node running inside this application (in process: no HTTP, no API key) and answers
 * 201 with the text; 400 for a missing, empty or too long text. `GET /announcements/status` says
 * how many clients the node holds.
 */
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { EmbeddedSwitchboard } from 'switchboard/nestjs';

/** The channel announcements go to. */
export const ANNOUNCEMENTS_CHANNEL = 'announcements';
/** Longest announcement, characters. */
const MAX_TEXT = 500;

@Controller('announcements')
export class AnnouncementsController {
  constructor(@Inject(EmbeddedSwitchboard) private readonly switchboard: EmbeddedSwitchboard) {}

  @Post()
  @HttpCode(201)
  async announce(@Body() body: unknown): Promise<{ text: string }> {
    const text = typeof body === 'object' && body !== null ? (body as { text?: unknown }).text : undefined;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) {
      throw new BadRequestException(`"text" must be a non-empty string of at most ${MAX_TEXT} characters`);
    }
    await this.switchboard.publish(ANNOUNCEMENTS_CHANNEL, { text });
    return { text };
  }

  @Get('status')
  status(): { clients: number } {
    return { clients: this.switchboard.node.connections.size };
  }
}
