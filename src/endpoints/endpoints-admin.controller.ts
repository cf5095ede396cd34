import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
} from '@nestjs/swagger';
import { AdminApi } from '../auth/admin-api.decorator';
import { AppConfig } from '../config/app-config';
import { EndpointPatch, EndpointSpec } from './dto/endpoint-spec.dto';
import { ApiKeyView, CreatedEndpointView, EndpointView, toEndpointView } from './dto/endpoint-view.dto';
import type { Endpoint } from './endpoint.model';
import { EndpointsService } from './endpoints.service';

const ID_PARAM = { name: 'id', example: 'acme-support' };

@AdminApi('admin: endpoints')
@Controller('admin/v1/endpoints')
export class EndpointsAdminController {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an endpoint', description: 'Secrets are write-only. The response carries the API key once.' })
  @ApiCreatedResponse({ type: CreatedEndpointView })
  @ApiBadRequestResponse({ description: 'Invalid body; the message names each bad field.' })
  @ApiConflictResponse({ description: 'An endpoint with this id exists.' })
  @ApiPayloadTooLargeResponse({ description: 'Body over 1 MiB.' })
  async create(@Body() body: EndpointSpec): Promise<CreatedEndpointView> {
    const { endpoint, apiKey } = await this.endpoints.create(body);
    return { ...this.view(endpoint), apiKey };
  }

  @Get()
  @ApiOperation({ summary: 'List endpoints' })
  @ApiOkResponse({ type: [EndpointView] })
  async list(): Promise<EndpointView[]> {
    return (await this.endpoints.list()).map((endpoint) => this.view(endpoint));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an endpoint (without secrets)' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: EndpointView })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string): Promise<EndpointView> {
    return this.view(await this.endpoints.get(id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an endpoint',
    description:
      'A JSON merge patch (RFC 7396): nested objects merge, `null` removes a field, arrays are replaced. The merged ' +
      'endpoint is validated like a new one. A new `provider.webhookSecret` keeps the old one valid for ' +
      'WEBHOOK_SECRET_GRACE_SECONDS.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ type: EndpointPatch })
  @ApiOkResponse({ type: EndpointView })
  @ApiBadRequestResponse({ description: 'The merged endpoint is invalid; the message names each bad field.' })
  @ApiNotFoundResponse()
  // Not a DTO on purpose: the merged result is what gets validated (by EndpointsService.update).
  async update(@Param('id') id: string, @Body() patch: Record<string, unknown>): Promise<EndpointView> {
    return this.view(await this.endpoints.update(id, patch));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete an endpoint' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.endpoints.remove(id);
  }

  @Post(':id/api-key')
  @ApiOperation({ summary: 'Issue a new API key', description: 'The previous key stops working at once.' })
  @ApiParam(ID_PARAM)
  @ApiCreatedResponse({ type: ApiKeyView })
  @ApiNotFoundResponse()
  async rotateApiKey(@Param('id') id: string): Promise<ApiKeyView> {
    return { id, apiKey: await this.endpoints.rotateApiKey(id) };
  }

  private view(endpoint: Endpoint): EndpointView {
    return toEndpointView(endpoint, this.endpoints.providers.get(endpoint.provider.type), this.config.publicBaseUrl);
  }
}
