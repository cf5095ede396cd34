import { Global, Module } from '@nestjs/common';
import { OutboundHttp } from './outbound-http';

/** The one outbound HTTP client (egress policy, timeouts), shared by the bot callbacks and every provider. */
@Global()
@Module({ providers: [OutboundHttp], exports: [OutboundHttp] })
export class HttpModule {}
