import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AdminApi } from '../../auth/admin-api.decorator';
import type { ProviderProblem } from '../../contact-center/contact-center-provider';
import { ProviderRegistry } from '../../contact-center/provider-registry';
import { EndpointsService } from '../../endpoints/endpoints.service';

class ProviderProblemView implements ProviderProblem {
  @ApiProperty({
    example: 'subscription_rejected',
    description: '`subscription_rejected` (notification topics refused), `channel_limit`, …',
  })
  code!: string;
  @ApiProperty({ example: "Genesys rejected 5 notification topic(s): the OAuth client's role lacks analytics:conversationDetail:view" })
  message!: string;
  @ApiProperty() since!: string;
  @ApiProperty() lastSeen!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class EndpointStatusView {
  @ApiProperty({ example: 'acme-support' }) endpointId!: string;
  @ApiProperty({ example: 'genesys-cloud-open-messaging' }) provider!: string;
  @ApiProperty({ enum: ['ok', 'degraded'] }) state!: 'ok' | 'degraded';
  @ApiProperty({ type: [ProviderProblemView] }) problems!: ProviderProblemView[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Provider details of the answering process.' })
  details?: Record<string, unknown>;
}

@AdminApi('admin: endpoints')
@Controller('admin/v1/endpoints')
export class EndpointStatusController {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly providers: ProviderRegistry,
  ) {}

  @Get(':id/status')
  @ApiOperation({
    summary: "The endpoint's contact-center status",
    description:
      'What the provider reported for this endpoint in the last day (e.g. notification topics Genesys rejected for a ' +
      'missing permission, or no notification channel left for the OAuth client), and live details of the process answering.',
  })
  @ApiParam({ name: 'id', example: 'acme-support' })
  @ApiOkResponse({ type: EndpointStatusView })
  @ApiNotFoundResponse()
  async status(@Param('id') id: string): Promise<EndpointStatusView> {
    const endpoint = await this.endpoints.get(id);
    const status = (await this.providers.forEndpoint(endpoint).status?.(endpoint)) ?? { state: 'ok' as const, problems: [] };
    return { endpointId: endpoint.id, provider: endpoint.provider.type, ...status };
  }
}
