import {
  BadRequestException,
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { AdminApi } from '../../auth/admin-api.decorator';
import { HANDOVER_STATES, HandoverState } from '../domain/handover.model';
import { SessionMailbox } from '../../relay/session-mailbox';
import { HandoverService } from '../bot-api/handover.service';
import { SessionViews } from './session-views';

function pageSize(limit: number): number {
  if (limit < 1 || limit > 500) throw new BadRequestException('limit must be between 1 and 500');
  return limit;
}

@AdminApi('admin: sessions')
@Controller('admin/v1')
export class HandoverAdminController {
  constructor(
    private readonly views: SessionViews,
    private readonly handovers: HandoverService,
    private readonly mailbox: SessionMailbox,
  ) {}

  @Get('sessions')
  @ApiQuery({ name: 'endpointId', required: false })
  @ApiQuery({ name: 'state', required: false, enum: HANDOVER_STATES })
  @ApiQuery({ name: 'limit', required: false, example: 50 })
  @ApiQuery({ name: 'offset', required: false, example: 0 })
  sessions(
    @Query('endpointId') endpointId?: string,
    @Query('state') state?: string,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit = 50,
    @Query('offset', new DefaultValuePipe(0), ParseIntPipe) offset = 0,
  ) {
    if (state !== undefined && !HANDOVER_STATES.includes(state as HandoverState)) {
      throw new BadRequestException(`state must be one of ${HANDOVER_STATES.join(', ')}`);
    }
    return this.views.list(endpointId, state as HandoverState | undefined, pageSize(limit), Math.max(0, offset));
  }

  @Get('endpoints/:id/sessions/:sessionId')
  @ApiOperation({ summary: 'A session with its handover and timeline of events and messages.' })
  @ApiNotFoundResponse({ description: 'Unknown endpoint or session.' })
  session(@Param('id') endpointId: string, @Param('sessionId') sessionId: string) {
    return this.views.detail(endpointId, sessionId);
  }

  @Post('endpoints/:id/sessions/:sessionId/release')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ description: 'The handover ended with admin_released.' })
  @ApiConflictResponse({ description: 'The session has no live handover.' })
  release(@Param('id') endpointId: string, @Param('sessionId') sessionId: string) {
    return this.handovers.release(endpointId, sessionId, 'admin_released');
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Events and commands that could not be delivered after their retries, oldest first.' })
  @ApiQuery({ name: 'endpointId', required: false })
  deadLetters(
    @Query('endpointId') endpointId?: string,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit = 50,
    @Query('offset', new DefaultValuePipe(0), ParseIntPipe) offset = 0,
  ) {
    return this.mailbox.listDeadLetters(endpointId, pageSize(limit), Math.max(0, offset));
  }

  @Post('dead-letters/:id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: "Put a dead letter back at the end of its session's queue." })
  @ApiNotFoundResponse({ description: 'Unknown (or already replayed) dead letter.' })
  async replay(@Param('id') id: string) {
    const deadLetter = await this.mailbox.getDeadLetter(id);
    if (!deadLetter || !(await this.mailbox.replay(deadLetter))) throw new NotFoundException(`Dead letter ${id} not found`);
    return { id, replayed: true };
  }
}
