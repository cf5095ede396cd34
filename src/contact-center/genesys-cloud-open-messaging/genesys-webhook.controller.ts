import { Controller, HttpCode, Logger, NotFoundException, Param, Post, Req, UnauthorizedException } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../../auth/bearer-token';
import { EndpointsService } from '../../endpoints/endpoints.service';
import { constantTimeEqual } from '../../infrastructure/crypto/tokens';
import { ProviderEventSink } from '../provider-event-sink';
import { ConversationSignalPublisher } from './conversation-signal-publisher';
import type { GenesysEndpoint } from './genesys-api-client';
import { GENESYS_CLOUD_OPEN_MESSAGING } from './genesys-cloud-settings';
import type { NotificationMessage } from './genesys-types';
import { normaliseOutboundMessage } from './outbound-normaliser';
import { SIGNATURE_HEADER, verifyGenesysSignature } from './webhook-signature';
import { signedJsonBody } from '../signed-webhook-body';

const SIGNATURE_DOC = {
  name: 'X-Hub-Signature-256',
  required: true,
  description: "`sha256=` + base64 HMAC-SHA256 of the raw request body, keyed with the endpoint's webhook secret.",
};

/**
 * Genesys Cloud → connector. Both routes authenticate the raw bytes before anything is parsed or stored, hand the
 * normalised events to the ProviderEventBus (durable once it resolves) and answer 200 at once; the work happens
 * in the queues. Unknown content is acknowledged and logged by type only, never with its text.
 */
@ApiTags('genesys-webhooks')
@SkipThrottle()
@Controller('webhooks/genesys')
export class GenesysWebhookController {
  private readonly logger = new Logger(GenesysWebhookController.name);

  constructor(
    private readonly endpoints: EndpointsService,
    private readonly sink: ProviderEventSink,
    private readonly signals: ConversationSignalPublisher,
  ) {}

  @Post(':endpointId')
  @HttpCode(200)
  @ApiOperation({
    summary: "Open Messaging outbound webhook (the endpoint's Config URL)",
    description: 'Agent messages (Text, Structured), typing (Event) and receipts from Genesys Cloud.',
  })
  @ApiParam({ name: 'endpointId' })
  @ApiHeader(SIGNATURE_DOC)
  @ApiBody({ description: 'Genesys Open Messaging normalized outbound message', schema: { type: 'object' } })
  @ApiOkResponse({ description: 'Accepted (queued).', schema: { type: 'object', example: {} } })
  @ApiBadRequestResponse({ description: 'Signed, but not JSON.' })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid signature; nothing was stored.' })
  @ApiNotFoundResponse({ description: 'No Genesys endpoint with this id.' })
  @ApiServiceUnavailableResponse({ description: 'Storage unavailable; Genesys retries.' })
  async outboundMessage(
    @Param('endpointId') endpointId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
  ): Promise<Record<string, never>> {
    const { endpoint, body } = await this.authenticate(endpointId, req);
    const { events, skipped } = normaliseOutboundMessage(body);
    // One line per distinct reason: a message with a huge content array must not turn into one log line per item.
    const reasons = new Map<string, number>();
    for (const reason of skipped) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    for (const [reason, n] of [...reasons].slice(0, 10)) {
      this.logger.warn(`Genesys webhook for endpoint ${endpoint.id}: skipped ${reason}${n > 1 ? ` (${n} times)` : ''}`);
    }
    if (events.length > 0) await this.sink.accept(endpoint, events);
    return {};
  }

  @Post(':endpointId/events')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Conversation events in notification form (Process Automation trigger)',
    description:
      '`{ "topicName": "v2.detail.events.conversation.<id>.customer.end", "eventBody": { … } }`, or a list of them. ' +
      'Topics user.start, user.end, customer.end and acw are used; others are acknowledged and ignored.',
  })
  @ApiParam({ name: 'endpointId' })
  @ApiHeader({ ...SIGNATURE_DOC, required: false, description: `${SIGNATURE_DOC.description} Or, instead, the events token:` })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description:
      "`Bearer <provider.eventsToken>`: the endpoint's static events token (for a Process Automation workflow's data action, which cannot sign).",
  })
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'object', properties: { topicName: { type: 'string' }, eventBody: { type: 'object' } } },
        { type: 'array', items: { type: 'object', properties: { topicName: { type: 'string' }, eventBody: { type: 'object' } } } },
      ],
    },
  })
  @ApiOkResponse({ description: 'Accepted (queued).', schema: { type: 'object', example: {} } })
  @ApiBadRequestResponse({ description: 'Signed, but not JSON.' })
  @ApiUnauthorizedResponse({ description: 'Neither a valid signature nor the events token; nothing was stored.' })
  @ApiNotFoundResponse({ description: 'No Genesys endpoint with this id.' })
  @ApiServiceUnavailableResponse({ description: 'Storage unavailable; the sender should retry.' })
  async conversationEvents(
    @Param('endpointId') endpointId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
  ): Promise<Record<string, never>> {
    const { endpoint, body } = await this.authenticate(endpointId, req, { eventsToken: true });
    const messages = (Array.isArray(body) ? body : [body]).filter(
      (m): m is NotificationMessage => typeof m === 'object' && m !== null && !Array.isArray(m),
    );
    const published = await this.signals.publish(endpoint, messages);
    const ignored = (Array.isArray(body) ? body.length : 1) - published.length;
    if (ignored > 0) {
      this.logger.warn(`Genesys events webhook for endpoint ${endpoint.id}: ignored ${ignored} message(s) with other topics`);
    }
    return {};
  }

  /**
   * 404 for an unknown endpoint, then 401 unless the raw bytes carry a valid signature (or, where `eventsToken` is
   * allowed and no signature is sent, the endpoint's events token is presented); only then the body is read as JSON.
   */
  private async authenticate(
    endpointId: string,
    req: RawBodyRequest<FastifyRequest>,
    allow: { eventsToken?: boolean } = {},
  ): Promise<{ endpoint: GenesysEndpoint; body: unknown }> {
    const found = await this.endpoints.find(endpointId);
    if (!found || found.provider.type !== GENESYS_CLOUD_OPEN_MESSAGING) {
      throw new NotFoundException(`Endpoint ${endpointId} not found`);
    }
    const endpoint = found as GenesysEndpoint;
    const raw = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
    const signature = req.headers[SIGNATURE_HEADER];
    if (allow.eventsToken && signature === undefined && endpoint.provider.eventsToken) {
      const presented = bearerToken(req);
      if (presented === undefined || !constantTimeEqual(presented, endpoint.provider.eventsToken)) {
        throw new UnauthorizedException('Missing or invalid X-Hub-Signature-256 or events token');
      }
    } else if (!verifyGenesysSignature(signature, raw, this.endpoints.webhookSecrets(endpoint))) {
      throw new UnauthorizedException(
        allow.eventsToken ? 'Missing or invalid X-Hub-Signature-256 or events token' : 'Missing or invalid X-Hub-Signature-256',
      );
    }
    return { endpoint, body: signedJsonBody(req, raw) };
  }
}
