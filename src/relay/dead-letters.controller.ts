import {
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
import { ApiNotFoundResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { AdminApi } from '../auth/admin-api.decorator';
import { pageSize } from '../infrastructure/http/pagination';
import { SessionMailbox } from './session-mailbox';

@AdminApi('admin: sessions')
@Controller('admin/v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly mailbox: SessionMailbox) {}

  @Get()
  @ApiOperation({ summary: 'Events and commands that could not be delivered after their retries, oldest first.' })
  @ApiQuery({ name: 'endpointId', required: false })
  deadLetters(
    @Query('endpointId') endpointId?: string,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit = 50,
    @Query('offset', new DefaultValuePipe(0), ParseIntPipe) offset = 0,
  ) {
    return this.mailbox.listDeadLetters(endpointId, pageSize(limit), Math.max(0, offset));
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: "Put a dead letter back at the end of its session's queue." })
  @ApiNotFoundResponse({ description: 'Unknown (or already replayed) dead letter.' })
  async replay(@Param('id') id: string) {
    const deadLetter = await this.mailbox.getDeadLetter(id);
    if (!deadLetter || !(await this.mailbox.replay(deadLetter))) throw new NotFoundException(`Dead letter ${id} not found`);
    return { id, replayed: true };
  }
}
