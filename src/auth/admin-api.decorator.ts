import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AdminAuthGuard } from './admin-auth.guard';

/**
 * Marks a controller as part of the admin API: ADMIN_TOKEN bearer auth, the per-IP admin rate limit
 * (ADMIN_RATE_LIMIT_PER_MINUTE, see AdminModule) and its OpenAPI tag.
 */
export function AdminApi(tag: string): ClassDecorator {
  return applyDecorators(
    UseGuards(ThrottlerGuard, AdminAuthGuard),
    ApiTags(tag),
    ApiBearerAuth('admin'),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin token.' }),
    ApiTooManyRequestsResponse({ description: 'Admin rate limit exceeded, or too many failed authentications; see Retry-After.' }),
  );
}
