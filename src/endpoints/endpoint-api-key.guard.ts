import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { bearerToken } from '../auth/bearer-token';
import { EndpointsService } from './endpoints.service';

/**
 * Bot API auth: `Authorization: Bearer <endpoint API key>` for the endpoint in the path. A key of another
 * endpoint is 403 (and reveals nothing of this one); no or an unknown key is 401. Failures count towards the
 * per-client brute-force limit.
 */
@Injectable()
export class EndpointApiKeyGuard implements CanActivate {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.failures.assertNotBlocked(context);
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request);
    const endpointId = String(request.params.endpointId ?? '');
    const check = token ? await this.endpoints.authenticateApiKey(endpointId, token) : 'invalid';
    if (check === 'ok') return true;
    await this.failures.recordFailure(context);
    if (check === 'other-endpoint') throw new ForbiddenException('This API key belongs to another endpoint');
    throw new UnauthorizedException('Missing or invalid endpoint API key');
  }
}
