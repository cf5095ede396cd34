import { Global, Module } from '@nestjs/common';
import { AuthFailureLimiter } from './auth-failure-limiter';

/** Credential-checking helpers shared by the admin guard and the bot-API key guard. */
@Global()
@Module({ providers: [AuthFailureLimiter], exports: [AuthFailureLimiter] })
export class AuthModule {}
