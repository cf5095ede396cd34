import { parse as parseQueryString } from 'node:querystring';
import { BadRequestException, type NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ContentTypeParserDoneFunction } from 'fastify/types/content-type-parser';
import { PROVIDER_DEFINITIONS, type ProviderDefinition } from './endpoints/provider-definition';
import { errorBody, HttpExceptionFilter } from './infrastructure/http/http-exception.filter';
import { flattenValidationErrors } from './infrastructure/http/validation-errors';
import { AppLogger } from './infrastructure/logging/app-logger';
import { RequestLog } from './infrastructure/logging/request-log';
import { HttpMetrics } from './infrastructure/metrics/http-metrics';
import { RedisService } from './infrastructure/redis/redis.service';

/** Larger request bodies answer 413 (HttpExceptionFilter). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** How main.ts, the demo and the e2e tests create the application: raw bodies kept for the webhook signatures. */
export const APP_OPTIONS: NestApplicationOptions = { rawBody: true, bufferLogs: true };

/** The HTTP server of every application (main.ts, the demo, the e2e tests). */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A malformed URL (bad percent-encoding) fails before any route or filter: answered here in the one error shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      reply.status(status).send(errorBody(status, error.message));
    },
    // X-Forwarded-For/-Proto are believed from a proxy on this host only (the client IP of the auth brake and the throttler).
    trustProxy: 'loopback',
    // Node's own timeouts (Fastify's defaults disable the request timeout and keep idle sockets for 72 s).
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    routerOptions: {
      // Paths match as they always have: with or without a trailing slash, in any letter case.
      ignoreTrailingSlash: true,
      caseSensitive: false,
      // No limit of its own on a path segment (Fastify's is 100 characters); Node's 16 KiB request head bounds it.
      maxParamLength: 16 * 1024,
    },
  });
}

/** Everything an HTTP-facing application needs; shared by main.ts, the demo and the e2e tests. Call before init/listen. */
export function configureApp(app: NestFastifyApplication): void {
  app.useLogger(app.get(AppLogger));
  const fastify = app.getHttpAdapter().getInstance();
  // helmet's default headers on every answer, its middleware built once: @fastify/helmet builds it anew for every
  // request (a fifth of the webhook route's CPU, bench/intake.ts).
  const securityHeaders = helmet();
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));
  app.get(RequestLog).register(fastify);
  app.get(HttpMetrics).register(fastify);
  registerBodyParsers(app);
  app.useGlobalFilters(new HttpExceptionFilter(app.get(RedisService)));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors)),
    }),
  );

  const providers = app.get<ProviderDefinition[]>(PROVIDER_DEFINITIONS);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('handover-connector')
      .setDescription(
        "Bot ↔ Genesys handover (Genesys Cloud Open Messaging, Genesys Multicloud CX Third-Party Messaging): admin API, bot API and the contact centers' webhooks.",
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Endpoint API key' }, 'endpoint-api-key')
      .build(),
    { extraModels: providers.flatMap((provider) => [provider.specClass, provider.viewClass]) },
  );
  documentProviders(document, providers);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * JSON and URL-encoded bodies are read (up to BODY_LIMIT_BYTES, the raw bytes kept as `rawBody`); a body of any
 * other type is not read at all, and the route sees none: a signed webhook then fails its signature check (401),
 * a validated body names the missing fields (400), rather than a 415.
 */
function registerBodyParsers(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => parseJson(body as Buffer, done));
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, parseQueryString((body as Buffer).toString('utf8'))),
  );
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/**
 * JSON as body-parser's `json()` reads it: an empty body is `{}`, a leading byte-order mark is dropped, and only an
 * object or an array may be at the top; anything else is 400 with the parser's message.
 */
function parseJson(body: Buffer, done: ContentTypeParserDoneFunction): void {
  if (body.length === 0) return done(null, {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    return done(new BadRequestException((err as Error).message), undefined);
  }
  if (typeof parsed !== 'object' || parsed === null)
    return done(new BadRequestException('The body must be a JSON object or array'), undefined);
  done(null, parsed);
}

/** The endpoint's `provider` body and view: one of the registered providers' own schemas, chosen by `type`. */
function documentProviders(document: OpenAPIObject, providers: ProviderDefinition[]): void {
  const schemas = document.components?.schemas ?? {};
  const oneOf = (classOf: (provider: ProviderDefinition) => { name: string }) => ({
    oneOf: providers.map((provider) => ({ $ref: `#/components/schemas/${classOf(provider).name}` })),
    discriminator: { propertyName: 'type' },
  });
  const set = (schema: string, property: string, value: object) => {
    const properties = (schemas[schema] as { properties?: Record<string, object> } | undefined)?.properties;
    if (properties?.[property]) properties[property] = value;
  };
  set(
    'EndpointSpec',
    'provider',
    oneOf((provider) => provider.specClass),
  );
  set(
    'EndpointView',
    'provider',
    oneOf((provider) => provider.viewClass),
  );
}
