import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { bearerToken } from '../auth/bearer-token';
import type { AuthenticatedRequest } from './current-endpoint.decorator';
import { EndpointsService } from './endpoints.service';

/**
 * Bot API auth: `Authorization: Bearer <endpoint API key>` for the endpoint in the path. A key of another
 * endpoint is 403 (and reveals nothing of this one); no or an unknown key is 401. Failures count towards the
 * per-client brute-force limit. The endpoint goes on the request for `@CurrentEndpoint()`.
 */
@Injectable()
export class EndpointApiKeyGuard implements CanActivate {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.failures.assertNotBlocked(context);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    const endpointId = String(request.params.endpointId ?? '');
    const check = token ? await this.endpoints.authenticateApiKey(endpointId, token) : 'invalid';
    if (check === 'ok') {
      // For @CurrentEndpoint(): the handler and everything after it use this one read (from the endpoint cache).
      request.endpoint = await this.endpoints.get(endpointId);
      return true;
    }
    await this.failures.recordFailure(context);
    if (check === 'other-endpoint') throw new ForbiddenException('This API key belongs to another endpoint');
    throw new UnauthorizedException('Missing or invalid endpoint API key');
  }
}
