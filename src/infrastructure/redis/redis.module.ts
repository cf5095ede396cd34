import { Global, Module } from '@nestjs/common';
import { FleetLeases } from './fleet-lease';
import { RedisService } from './redis.service';

@Global()
@Module({ providers: [RedisService, FleetLeases], exports: [RedisService, FleetLeases] })
export class RedisModule {}
