import { createHmac } from 'node:crypto';
import { Controller, Delete, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { AdminApi } from '../auth/admin-api.decorator';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual } from '../infrastructure/crypto/tokens';
import { QUEUE_BOARD_CSP } from './console-csp';

export const QUEUE_BOARD_PATH = '/console/queues';
const COOKIE = 'hc_queue_board';
/** How long one pass to the queue board lasts; the console asks for a new one whenever the board is opened. */
export const QUEUE_BOARD_PASS_SECONDS = 15 * 60;

/**
 * Access to the queue board. The board is a page the browser fetches itself (with its scripts and API calls), so
 * it cannot carry the console's bearer header. Instead the console, holding the admin token, POSTs it to
 * /admin/v1/queue-board/session and gets a short-lived pass as a cookie: HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it), Path=/console/queues (sent nowhere else), Secure over HTTPS. The pass is an
 * expiry signed with a key derived from ADMIN_TOKEN: it is not the token, every replica can check it, and changing
 * ADMIN_TOKEN revokes every pass.
 */
export class QueueBoardPasses {
  private readonly key: Buffer;

  constructor(
    adminToken: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', 'hc-queue-board-pass').update(adminToken).digest();
  }

  issue(): { value: string; maxAgeSeconds: number } {
    const expires = this.now() + QUEUE_BOARD_PASS_SECONDS * 1000;
    return { value: `${expires}.${this.sign(expires)}`, maxAgeSeconds: QUEUE_BOARD_PASS_SECONDS };
  }

  isValid(value: string | undefined): boolean {
    const [expires, signature] = (value ?? '').split('.');
    if (!/^\d+$/.test(expires ?? '') || !signature) return false;
    return Number(expires) > this.now() && constantTimeEqual(signature, this.sign(Number(expires)));
  }

  private sign(expires: number): string {
    return createHmac('sha256', this.key).update(`queue-board:${expires}`).digest('base64url');
  }
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function setPass(res: FastifyReply, req: FastifyRequest, value: string, maxAgeSeconds: number): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  res.header('Set-Cookie', `${COOKIE}=${value}; Path=${QUEUE_BOARD_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`);
}

/**
 * Puts the guard in front of every route of the board (its page, API and static files) as Fastify registers them:
 * the board's CSP, and 401 without a valid pass. Call before the server is ready (the board's routes come then).
 */
export function guardQueueBoard(fastify: FastifyInstance, passes: QueueBoardPasses): void {
  const guard: onRequestHookHandler = (request, reply, done) => {
    reply.header('Content-Security-Policy', QUEUE_BOARD_CSP).header('Cache-Control', 'no-store');
    if (passes.isValid(cookieOf(request, COOKIE))) return done();
    reply.status(401).type('text/plain; charset=utf-8').send('Open the queue board from the operator console (/console): it signs you in.');
  };
  fastify.addHook('onRoute', (route) => {
    if (route.url !== QUEUE_BOARD_PATH && !route.url.startsWith(`${QUEUE_BOARD_PATH}/`)) return;
    route.onRequest = [guard, ...[route.onRequest ?? []].flat()];
  });
}

@AdminApi('admin: console')
@Controller('admin/v1/queue-board/session')
export class QueueBoardSessionController {
  private readonly passes: QueueBoardPasses;

  constructor(config: AppConfig) {
    this.passes = new QueueBoardPasses(config.adminToken);
  }

  @Post()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'A 15-minute pass to the queue board (/console/queues)',
    description: 'Set as an HttpOnly, SameSite=Strict cookie scoped to /console/queues; the admin token itself never leaves the console.',
  })
  @ApiNoContentResponse()
  open(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): void {
    const pass = this.passes.issue();
    setPass(res, req, pass.value, pass.maxAgeSeconds);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Ends the queue-board pass of this browser (sign-out)' })
  @ApiNoContentResponse()
  close(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): void {
    setPass(res, req, '', 0);
  }
}
