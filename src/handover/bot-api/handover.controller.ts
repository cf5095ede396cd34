import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Availability } from '../../contact-center/contact-center-provider';
import { AcceptedView, AvailabilityQueryDto, SessionView, StartHandoverDto, UserMessageDto } from './handover.dto';
import { CurrentEndpoint } from '../../endpoints/current-endpoint.decorator';
import { EndpointApiKeyGuard } from '../../endpoints/endpoint-api-key.guard';
import type { Endpoint } from '../../endpoints/endpoint.model';
import { HandoverService } from './handover.service';
import { SessionViews } from '../operator/session-views';

@ApiTags('bot')
@ApiBearerAuth('endpoint-api-key')
@ApiUnauthorizedResponse({ description: 'Missing or invalid endpoint API key.' })
@ApiForbiddenResponse({ description: 'The API key belongs to another endpoint.' })
@ApiBadRequestResponse({ description: 'Invalid body; the message names the field.' })
@UseGuards(EndpointApiKeyGuard)
@Controller('v1/endpoints/:endpointId')
export class HandoverController {
  constructor(
    private readonly handovers: HandoverService,
    private readonly views: SessionViews,
  ) {}

  @Post('handovers')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Hand a session over to an agent (Handover to Agent node).' })
  @ApiAcceptedResponse({ type: AcceptedView })
  @ApiConflictResponse({ description: 'The session (or the user) already has a live handover.' })
  start(@CurrentEndpoint() endpoint: Endpoint, @Body() dto: StartHandoverDto) {
    return this.handovers.start(endpoint, dto);
  }

  @Post('sessions/:sessionId/messages')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: "Relay the user's message to the agent (a repeated messageId is accepted once)." })
  @ApiConflictResponse({ description: 'The session has no live handover.' })
  @ApiNotFoundResponse({ description: 'Unknown session.' })
  message(@CurrentEndpoint() endpoint: Endpoint, @Param('sessionId') sessionId: string, @Body() dto: UserMessageDto) {
    return this.handovers.sendMessage(endpoint, sessionId, dto);
  }

  @Post('sessions/:sessionId/typing')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Show the agent that the user is typing.' })
  @ApiConflictResponse({ description: 'The session has no live handover.' })
  async typing(@CurrentEndpoint() endpoint: Endpoint, @Param('sessionId') sessionId: string) {
    await this.handovers.sendTyping(endpoint, sessionId);
    return { sessionId };
  }

  @Post('sessions/:sessionId/release')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'End the handover (bot_released) and disconnect the Genesys conversation.' })
  @ApiConflictResponse({ description: 'The session has no live handover.' })
  release(@CurrentEndpoint() endpoint: Endpoint, @Param('sessionId') sessionId: string) {
    return this.handovers.release(endpoint.id, sessionId, 'bot_released');
  }

  @Get('sessions/:sessionId')
  @ApiOkResponse({ type: SessionView })
  @ApiNotFoundResponse({ description: 'Unknown session.' })
  session(@CurrentEndpoint() endpoint: Endpoint, @Param('sessionId') sessionId: string): Promise<SessionView> {
    return this.views.session(endpoint.id, sessionId);
  }

  @Get('availability')
  @ApiOperation({ summary: 'Whether agents are available (Check Agent Availability).' })
  availability(@CurrentEndpoint() endpoint: Endpoint, @Query() query: AvailabilityQueryDto): Promise<Availability> {
    const skills = (query.skills ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return this.handovers.availability(endpoint, skills, query.language);
  }
}
