import { BadRequestException, INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROVIDER_DEFINITIONS, type ProviderDefinition } from './endpoints/provider-definition';
import helmet from 'helmet';
import { HttpExceptionFilter } from './infrastructure/http/http-exception.filter';
import { flattenValidationErrors } from './infrastructure/http/validation-errors';
import { AppLogger } from './infrastructure/logging/app-logger';
import { RedisService } from './infrastructure/redis/redis.service';

export const BODY_LIMIT = '1mb';

/** Everything an HTTP-facing application needs; shared by main.ts, the demo and the e2e tests. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(AppLogger));
  express.disable('x-powered-by');
  // API answers are tiny and never revalidated: no ETag hashing per response.
  express.set('etag', false);
  express.set('trust proxy', 'loopback');
  express.useBodyParser('json', { limit: BODY_LIMIT });
  express.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  app.use(helmet());
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
