import { Module } from '@nestjs/common';
import { RelayModule } from '../../relay/relay.module';
import { SessionsRepository } from './sessions.repository';

/** Sessions, handovers, their timelines and timers in Redis. */
@Module({ imports: [RelayModule], providers: [SessionsRepository], exports: [SessionsRepository] })
export class SessionsModule {}
