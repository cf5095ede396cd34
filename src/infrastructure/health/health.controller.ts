import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is running.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Redis answers and every queue worker is running.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body names it.' })
  async ready(@Res({ passthrough: true }) res: FastifyReply): Promise<{ status: string; checks: Record<string, boolean> }> {
    const { ready, checks } = await this.readiness.evaluate();
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'unavailable', checks };
  }
}
