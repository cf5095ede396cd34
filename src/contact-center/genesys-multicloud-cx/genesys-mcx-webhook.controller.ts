import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  Logger,
  NotFoundException,
  Param,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { AuthFailureLimiter } from '../../auth/auth-failure-limiter';
import { bearerToken } from '../../auth/bearer-token';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { constantTimeEqual } from '../../infrastructure/crypto/tokens';
import { LiveHandoverDirectory, ProviderEventSink } from '../provider-event-sink';
import { addressOf } from './customer-ids';
import { GenesysMulticloudCxProvider } from './genesys-multicloud-cx.provider';
import { GENESYS_MULTICLOUD_CX } from './genesys-multicloud-cx-settings';
import type { McxEndpoint } from './nexus-api-client';
import { NEXUS_SIGNATURE_HEADER, verifyNexusSignature } from './nexus-signature';
import { AgentWebhookItem, NexusWebhookShapeError, normaliseAgentWebhook, normaliseInteractionsWebhook } from './nexus-webhooks';
import { signedJsonBody } from '../signed-webhook-body';

const SIGNATURE_DOC = {
  name: 'X-Hub-Signature',
  required: true,
  description: "`sha1=` + hex HMAC-SHA1 of the raw request body, keyed with the endpoint's webhook secret (default: the channel secret).",
};

export class RoutingContextRequest {
  @ApiPropertyOptional({ description: 'The Third-Party Messaging channel; when given, it must be the endpoint’s.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  channelId?: string;

  @ApiProperty({ description: 'The consumer id of the interaction (what the connector sends as channel.from.id).' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  consumerId!: string;

  @ApiProperty({ description: 'The interaction id; from now on it belongs to the consumer’s live handover.' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  interactionId!: string;
}

export class RoutingContextView {
  @ApiProperty()
  handoverId!: string;

  @ApiPropertyOptional()
  language?: string;

  @ApiProperty({ type: [String] })
  skills!: string[];

  @ApiPropertyOptional()
  priority?: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  customAttributes!: Record<string, string>;
}

type McxRequest = FastifyRequest<{ Params: { endpointId?: string } }> & { mcxEndpoint?: McxEndpoint };

async function findMcxEndpoint(endpoints: EndpointsService, endpointId: string): Promise<McxEndpoint> {
  const endpoint = await endpoints.find(endpointId);
  if (!endpoint || endpoint.provider.type !== GENESYS_MULTICLOUD_CX) throw new NotFoundException(`Endpoint ${endpointId} not found`);
  return endpoint as McxEndpoint;
}

/**
 * The routing-context caller (the Designer application) presents the endpoint's routingToken as a bearer token,
 * compared in constant time; failures count towards the per-client brute-force brake. Without a routingToken on
 * the endpoint every call is refused.
 */
@Injectable()
export class RoutingTokenGuard implements CanActivate {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.failures.assertNotBlocked(context);
    const request = context.switchToHttp().getRequest<McxRequest>();
    const endpoint = await findMcxEndpoint(this.endpoints, String(request.params.endpointId ?? ''));
    const token = bearerToken(request);
    const expected = endpoint.provider.routingToken;
    if (token && expected && constantTimeEqual(token, expected)) {
      request.mcxEndpoint = endpoint;
      return true;
    }
    await this.failures.recordFailure(context);
    throw new UnauthorizedException('Missing or invalid routing token');
  }
}

/**
 * Genesys Multicloud CX (Nexus) → connector. The two webhooks authenticate the raw bytes before anything is parsed
 * or stored, hand the normalised events to the ProviderEventSink (durable once it resolves) and answer 200 at once;
 * the work happens in the queues. Message text is never logged.
 */
@ApiTags('genesys-mcx-webhooks')
@SkipThrottle()
@Controller('webhooks/genesys-mcx')
export class GenesysMcxWebhookController {
  private readonly logger = new Logger(GenesysMcxWebhookController.name);

  constructor(
    private readonly endpoints: EndpointsService,
    private readonly sink: ProviderEventSink,
    private readonly handovers: LiveHandoverDirectory,
    private readonly provider: GenesysMulticloudCxProvider,
  ) {}

  @Post(':endpointId')
  @HttpCode(200)
  @ApiOperation({
    summary: "Third-Party Messaging webhook (the endpoint's configUrl)",
    description:
      'One agent message per request. Answered `{ "messageId": <channel.messageId> }`; a message for no live handover, or of an unsupported type, is acknowledged too and answered with a Failed receipt (512, 510).',
  })
  @ApiParam({ name: 'endpointId' })
  @ApiHeader(SIGNATURE_DOC)
  @ApiBody({ description: 'A Nexus outgoing message (channel, type, text)', schema: { type: 'object' } })
  @ApiOkResponse({ description: 'Accepted (queued).', schema: { type: 'object', example: { messageId: '1613474523265-0' } } })
  @ApiBadRequestResponse({ description: 'Signed, but not a Third-Party Messaging message.' })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid signature; nothing was stored.' })
  @ApiNotFoundResponse({ description: 'No Multicloud CX endpoint with this id.' })
  @ApiServiceUnavailableResponse({ description: 'Storage unavailable; Nexus redelivers.' })
  async agentMessage(@Param('endpointId') endpointId: string, @Req() req: RawBodyRequest<FastifyRequest>): Promise<{ messageId: string }> {
    const { endpoint, body } = await this.authenticate(endpointId, req);
    const webhook = shaped(() => normaliseAgentWebhook(body));
    const forIntake = webhook.items.filter((item): item is Extract<AgentWebhookItem, { kind: 'event' }> => item.kind === 'event');
    const outcomes =
      forIntake.length > 0
        ? await this.sink.accept(
            endpoint,
            forIntake.map((item) => item.event),
          )
        : [];
    forIntake.forEach((item, i) => {
      if (outcomes[i] === 'no-handover' && item.event.kind === 'agent.message') {
        this.provider.refuse(endpoint, item, 'UnknownMessage', 'No live handover for this consumer');
      }
    });
    for (const item of webhook.items) {
      if (item.kind !== 'refused') continue;
      this.logger.warn(`Nexus webhook for endpoint ${endpoint.id}: refused a message of type "${item.type}" (${item.reason})`);
      this.provider.refuse(endpoint, item, item.reason, `Message type "${item.type}" is not supported`);
    }
    return { messageId: webhook.messageId };
  }

  @Post(':endpointId/interactions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Interactions webhook (STARTED / FINISHED)',
    description:
      'FINISHED of an interaction bound to a handover (through routing-context) ends it with `agent_ended`; STARTED, repeats and unknown interactions are acknowledged and ignored.',
  })
  @ApiParam({ name: 'endpointId' })
  @ApiHeader(SIGNATURE_DOC)
  @ApiBody({ description: 'EventsPayload: operationId, data.entities[].event and .entity', schema: { type: 'object' } })
  @ApiOkResponse({ description: 'Accepted.', schema: { type: 'object', example: { status: { code: 0 } } } })
  @ApiBadRequestResponse({ description: 'Signed, but not an events payload.' })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid signature; nothing was stored.' })
  @ApiNotFoundResponse({ description: 'No Multicloud CX endpoint with this id.' })
  @ApiServiceUnavailableResponse({ description: 'Storage unavailable; Nexus redelivers.' })
  async interactions(
    @Param('endpointId') endpointId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
  ): Promise<{ status: { code: 0 } }> {
    const { endpoint, body } = await this.authenticate(endpointId, req);
    const { events } = shaped(() => normaliseInteractionsWebhook(body));
    if (events.length > 0) await this.sink.accept(endpoint, events);
    return { status: { code: 0 } };
  }

  @Post(':endpointId/routing-context')
  @HttpCode(200)
  @UseGuards(RoutingTokenGuard)
  @ApiHeader({ name: 'Authorization', required: true, description: "`Bearer <routingToken>` (the endpoint's provider.routingToken)." })
  @ApiOperation({
    summary: 'Routing data for the Designer application (HTTP REST block)',
    description:
      "Called when Genesys routes the interaction, with `Authorization: Bearer <routingToken>`: answers the routing data of the consumer's live handover (for Route Digital), and from then on the interaction id belongs to that handover.",
  })
  @ApiParam({ name: 'endpointId' })
  @ApiOkResponse({ type: RoutingContextView })
  @ApiBadRequestResponse({ description: 'consumerId or interactionId missing.' })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid routing token.' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed authentications from this client.' })
  @ApiNotFoundResponse({ description: 'No such endpoint, or the consumer has no live handover on its channel.' })
  async routingContext(@Req() req: McxRequest, @Body() body: RoutingContextRequest): Promise<RoutingContextView> {
    const endpoint = req.mcxEndpoint as McxEndpoint;
    const bound =
      body.channelId === undefined || body.channelId === endpoint.provider.channelId
        ? await this.handovers.bindConversation(endpoint, addressOf(body.consumerId), body.interactionId)
        : undefined;
    if (!bound) throw new NotFoundException('The consumer has no live handover on this channel');
    const { language, skills, priority, customAttributes } = bound.routing;
    return { handoverId: bound.handoverId, language, skills, priority, customAttributes };
  }

  /** 404 for an unknown endpoint, then 401 unless the raw bytes carry a valid signature; only then the body is read as JSON. */
  private async authenticate(endpointId: string, req: RawBodyRequest<FastifyRequest>): Promise<{ endpoint: Endpoint; body: unknown }> {
    const endpoint = await findMcxEndpoint(this.endpoints, endpointId);
    const raw = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
    if (!verifyNexusSignature(req.headers[NEXUS_SIGNATURE_HEADER], raw, this.endpoints.webhookSecrets(endpoint))) {
      throw new UnauthorizedException('Missing or invalid X-Hub-Signature');
    }
    return { endpoint, body: signedJsonBody(req, raw) };
  }
}

/** Runs a normaliser; a body of the wrong shape is the sender's mistake (400), never a server error. */
function shaped<T>(normalise: () => T): T {
  try {
    return normalise();
  } catch (err) {
    if (err instanceof NexusWebhookShapeError) throw new BadRequestException(err.message);
    throw err;
  }
}
