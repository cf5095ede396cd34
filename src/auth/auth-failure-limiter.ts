import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { defineScript } from '../infrastructure/redis/redis-script';
import { RedisService } from '../infrastructure/redis/redis.service';

const WINDOW_MS = 60_000;

/** Counts a failure and starts the client's one-minute window with the first one. Returns nothing. */
const RECORD_FAILURE = defineScript({
  name: 'auth-record-failure',
  keys: ['counter'],
  args: ['windowMs'],
  lua: `
if redis.call('INCR', K.counter) == 1 then redis.call('PEXPIRE', K.counter, A.windowMs) end
`,
});

/**
 * Brute-force brake shared by every credential check (admin token, endpoint API keys): once a client IP has
 * failed AUTH_FAILURES_PER_MINUTE times within a minute, further attempts (even correct ones) answer 429 with
 * Retry-After until the minute is over. Counted in Redis, so all replicas share the budget.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  /** Throws 429 (and sets Retry-After) while the caller of this HTTP request is blocked. */
  async assertNotBlocked(context: ExecutionContext): Promise<void> {
    const http = context.switchToHttp();
    const key = this.counterKey(http.getRequest<FastifyRequest>());
    const [failures, ttlMs] = await Promise.all([this.redis.client.get(key), this.redis.client.pttl(key)]);
    if (Number(failures ?? 0) < this.config.authFailuresPerMinute) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : WINDOW_MS) / 1000));
    http.getResponse<FastifyReply>().header('Retry-After', String(retryAfterSeconds));
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: 'Too many failed authentications; retry later' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  /** Counts one failed authentication against the caller of this HTTP request. */
  async recordFailure(context: ExecutionContext): Promise<void> {
    const key = this.counterKey(context.switchToHttp().getRequest<FastifyRequest>());
    await this.redis.run(RECORD_FAILURE, { keys: { counter: key }, args: { windowMs: WINDOW_MS } });
  }

  /** The client IP: X-Forwarded-For counts only when a trusted proxy sent it (createHttpAdapter's trustProxy). */
  private counterKey(request: FastifyRequest): string {
    return this.redis.keys.authFailures(request.ip);
  }
}
