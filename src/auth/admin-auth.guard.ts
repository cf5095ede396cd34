import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { bearerToken } from './bearer-token';
import { constantTimeEqual } from '../infrastructure/crypto/tokens';
import { AppConfig } from '../config/app-config';

/** `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time; failures count towards the per-IP brake. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authFailures.assertNotBlocked(context);
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (token !== undefined && constantTimeEqual(token, this.config.adminToken)) return true;

    await this.authFailures.recordFailure(context);
    context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
    throw new UnauthorizedException('A valid admin bearer token is required');
  }
}
