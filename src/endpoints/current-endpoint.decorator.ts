import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Endpoint } from './endpoint.model';

/** A request the EndpointApiKeyGuard let through: it carries the endpoint it authenticated. */
export type AuthenticatedRequest = FastifyRequest<{ Params: { endpointId?: string } }> & { endpoint: Endpoint };

/** The endpoint of the request, as the EndpointApiKeyGuard resolved it (read once per request). */
export const CurrentEndpoint = createParamDecorator((_data: unknown, context: ExecutionContext): Endpoint => {
  const endpoint = context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>().endpoint;
  if (!endpoint) throw new Error('@CurrentEndpoint() needs EndpointApiKeyGuard on the route');
  return endpoint;
});
