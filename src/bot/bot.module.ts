import { Module } from '@nestjs/common';
import { BotCallbackClient } from './bot-callback.client';

/** Outbound delivery to the bot platform (Standard Webhooks callbacks, Cognigy Notify). */
@Module({ providers: [BotCallbackClient], exports: [BotCallbackClient] })
export class BotModule {}
