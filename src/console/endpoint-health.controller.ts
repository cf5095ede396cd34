import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminApi } from '../auth/admin-api.decorator';
import type { ProviderHealthCheck } from '../contact-center/contact-center-provider';
import { ProviderRegistry } from '../contact-center/provider-registry';
import { EndpointsService } from '../endpoints/endpoints.service';

export interface EndpointHealth {
  endpointId: string;
  provider: string;
  checkedAt: string;
  ok: boolean;
  checks: ProviderHealthCheck[];
}

@AdminApi('admin: endpoints')
@Controller('admin/v1/endpoints')
export class EndpointHealthController {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
  ) {}

  @Get(':id/health')
  @ApiOperation({
    summary: "The endpoint's connection to its contact center: credentials (a token is obtained) and event channels",
    description: 'As seen by the process that answers; notification channels are per process.',
  })
  @ApiOkResponse({ description: '`{ endpointId, provider, checkedAt, ok, checks: [ { name, ok, detail } ] }`' })
  @ApiNotFoundResponse()
  async health(@Param('id') id: string): Promise<EndpointHealth> {
    const endpoint = await this.endpoints.get(id);
    const provider = this.providers.forEndpoint(endpoint);
    const checks = provider.health
      ? await provider.health(endpoint)
      : [{ name: 'provider', ok: true, detail: 'this provider reports no health checks' }];
    return { endpointId: id, provider: endpoint.provider.type, checkedAt: new Date().toISOString(), ok: checks.every((c) => c.ok), checks };
  }
}
