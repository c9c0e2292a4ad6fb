/*
 * OpenAPI metadata for the module's routes, with no dependency on `@nestjs/swagger`.
 *
 * Why not import `@nestjs/swagger`'s decorators? Decorators run when a class is defined, so the
 * package would have to be loaded synchronously at import time: a static import makes it a hard
 * requirement (apps without it could not load the module), and an optional peer loaded with
 * `await import()` needs a top-level await in the controllers' modules, which delays every
 * importer and still couples the module graph to a package most apps do not use.
 *
 * Instead these helpers write the same metadata `@nestjs/swagger`'s decorators write, under its
 * metadata keys (`swagger/apiOperation`, `swagger/apiResponse`, ...: the `DECORATORS` constants of
 * `@nestjs/swagger/dist/constants.js`, unchanged since its early releases), with
 * `Reflect.defineMetadata` (the `reflect-metadata` peer the module already has). An app that
 * calls `SwaggerModule.createDocument()` sees the routes with their bodies, statuses and security;
 * an app without `@nestjs/swagger` carries a few inert metadata entries. `test/openapi.e2e-spec.ts`
 * checks the result against the real `SwaggerModule`, so a change of keys would fail there.
 */

import 'reflect-metadata';

/** `@nestjs/swagger`'s metadata keys (its `DECORATORS` constants). */
export const OPENAPI_KEYS = {
  operation: 'swagger/apiOperation',
  responses: 'swagger/apiResponse',
  produces: 'swagger/apiProduces',
  tags: 'swagger/apiUseTags',
  parameters: 'swagger/apiParameters',
  modelProperties: 'swagger/apiModelProperties',
  modelPropertiesArray: 'swagger/apiModelPropertiesArray',
  security: 'swagger/apiSecurity',
} as const;

/** The security scheme name `DocumentBuilder.addBearerAuth()` registers by default. */
export const OPENAPI_BEARER_SCHEME = 'bearer';

/** A class: @nestjs/swagger turns its {@link OpenApiProperty} properties into a named schema. */
type ModelType = abstract new (...args: never[]) => unknown;
type Schema = Record<string, unknown>;
type Target = object;

/** Where method metadata lives: on the method itself (a method decorator) or on the class. */
function holder(target: Target, descriptor?: PropertyDescriptor): object {
  return descriptor ? (descriptor.value as object) : target;
}

function merge(key: string, value: Schema, target: object): void {
  Reflect.defineMetadata(key, { ...(Reflect.getMetadata(key, target) as Schema | undefined), ...value }, target);
}

function append(key: string, values: unknown[], target: object): void {
  Reflect.defineMetadata(
    key,
    [...((Reflect.getMetadata(key, target) as unknown[] | undefined) ?? []), ...values],
    target,
  );
}

/** Summary and description of an operation. */
export function OpenApiOperation(summary: string, description?: string): MethodDecorator {
  return (target, _key, descriptor) => {
    merge(OPENAPI_KEYS.operation, { summary, ...(description && { description }) }, holder(target, descriptor));
  };
}

/** What a response carries besides its status and description. */
export interface OpenApiResponseOptions {
  /** A class whose properties carry {@link OpenApiProperty}: becomes a named schema. */
  type?: ModelType;
  /** An inline JSON schema, for bodies that are not classes (e.g. `text/plain`). */
  schema?: Schema;
  /** Response headers, by name. */
  headers?: Record<string, { description: string; schema: Schema }>;
}

/** One response of an operation (or of every operation, on a class). */
export function OpenApiResponse(
  status: number,
  description: string,
  options: OpenApiResponseOptions = {},
): MethodDecorator & ClassDecorator {
  return ((target: Target, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const entry = { description, isArray: false, ...options };
    merge(OPENAPI_KEYS.responses, { [status]: entry }, holder(target, descriptor));
  }) as MethodDecorator & ClassDecorator;
}

/** The media types an operation answers with (default `application/json`). */
export function OpenApiProduces(...mimeTypes: string[]): MethodDecorator {
  return (target, _key, descriptor) => append(OPENAPI_KEYS.produces, mimeTypes, holder(target, descriptor));
}

/** Groups a controller's operations under tags. */
export function OpenApiTags(...tags: string[]): ClassDecorator {
  return (target) => append(OPENAPI_KEYS.tags, tags, target);
}

/** Marks an operation (or a controller) as requiring `Authorization: Bearer <token>`. */
export function OpenApiBearer(): MethodDecorator & ClassDecorator {
  return ((target: Target, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    append(OPENAPI_KEYS.security, [{ [OPENAPI_BEARER_SCHEME]: [] }], holder(target, descriptor));
  }) as MethodDecorator & ClassDecorator;
}

/** The request body of an operation; `required: false` when it may be left out. */
export function OpenApiBody(type: ModelType, options: { required?: boolean; description?: string } = {}) {
  return parameter({ in: 'body', type, isArray: false, required: true, ...options });
}

/** A path parameter. */
export function OpenApiParam(name: string, description: string, schema: Schema = { type: 'string' }) {
  return parameter({ in: 'path', name, description, required: true, schema });
}

/** A query parameter, optional unless `required`. */
export function OpenApiQuery(name: string, description: string, schema: Schema = { type: 'string' }, required = false) {
  return parameter({ in: 'query', name, description, required, schema });
}

/** A request header. */
export function OpenApiHeader(name: string, description: string, required = false) {
  return parameter({ in: 'header', name, description, required, schema: { type: 'string' } });
}

function parameter(value: Schema): MethodDecorator {
  return (target, _key, descriptor) => append(OPENAPI_KEYS.parameters, [value], holder(target, descriptor));
}

/** A body property, as OpenAPI describes it. */
export interface OpenApiPropertyOptions {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object';
  /** Alternatives, instead of `type`. */
  oneOf?: Schema[];
  description: string;
  example?: unknown;
  format?: string;
  enum?: readonly (string | number)[];
  maxLength?: number;
  /** @default true */
  required?: boolean;
}

/** A property of a request or response body class. */
export function OpenApiProperty(options: OpenApiPropertyOptions): PropertyDecorator {
  return (target, key) => {
    const name = `:${String(key)}`;
    const names = (Reflect.getMetadata(OPENAPI_KEYS.modelPropertiesArray, target) as string[] | undefined) ?? [];
    if (!names.includes(name)) Reflect.defineMetadata(OPENAPI_KEYS.modelPropertiesArray, [...names, name], target);
    // @nestjs/swagger needs a type even beside `oneOf` (it drops it from the schema then).
    const value = { isArray: false, ...options, type: options.type ?? 'object' };
    Reflect.defineMetadata(OPENAPI_KEYS.modelProperties, value, target, key);
  };
}
