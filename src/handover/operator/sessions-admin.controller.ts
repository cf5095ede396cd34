import {
  BadRequestException,
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { AdminApi } from '../../auth/admin-api.decorator';
import { HANDOVER_STATES, HandoverState } from '../domain/handover.model';
import { pageSize } from '../../infrastructure/http/pagination';
import { HandoverService } from '../bot-api/handover.service';
import { SessionViews } from './session-views';

@AdminApi('admin: sessions')
@Controller('admin/v1')
export class SessionsAdminController {
  constructor(
    private readonly views: SessionViews,
    private readonly handovers: HandoverService,
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
}
