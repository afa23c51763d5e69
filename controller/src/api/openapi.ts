// The OpenAPI 3.1 document served at /api/openapi.json: the paths written out
// here, every schema generated from the zod schemas the handlers use
// (schemas.ts), so the two cannot disagree. The contract tests walk this
// document: every response it names is produced and checked against its
// schema (tests/integration/api.test.ts).
import { z } from 'zod';
import {
  actionResult,
  createJobBody,
  hookAccepted,
  jobCreated,
  jobIdParam,
  jobList,
  jobView,
  listQuery,
  problemView,
  promoteBody,
} from './schemas.js';

type JsonSchema = Record<string, unknown>;

interface MediaType {
  schema: JsonSchema;
}

interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its `$schema`. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const problem = (description: string): Response => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

const AUTH = [{ bearer: [] }];
const COMMON: Record<string, Response> = {
  '401': problem('No token, or not one of API_TOKENS'),
  '429': {
    ...problem("The token's rate (API_RATE_PER_MIN) is used up"),
    headers: {
      'Retry-After': { description: 'Seconds until a request will be accepted', schema: { type: 'integer' } },
    },
  },
};

const idParameter: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The job id, as on its receipt ("42")',
  schema: schemaOf(jobIdParam, 'input'),
};

const listParameters: Parameter[] = Object.entries(listQuery.shape).map(([name, schema]) => ({
  name,
  in: 'query',
  schema: schemaOf(schema, 'input'),
}));

function action(name: 'cancel' | 'retry' | 'promote', summary: string, body?: string): Operation {
  return {
    operationId: `${name}Job`,
    summary,
    security: AUTH,
    parameters: [idParameter],
    ...(body ? { requestBody: { required: true, content: json(body) } } : {}),
    responses: {
      '200': { description: 'Done', content: json('ActionResult') },
      ...(body ? { '400': problem('The body is not valid; `field` names the field') } : {}),
      ...COMMON,
      '403': problem('The token lacks the write scope, or the job is not its own'),
      '404': problem('There is no such job'),
      '409': problem('The job is not in a state that allows it (finished, running, already done)'),
    },
  };
}

export function openApiDocument(version: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'AgentOps',
      version,
      description:
        'Start and follow AgentOps jobs. Jobs go through the same intake, routing and access decision as Slack. See docs/api.md.',
    },
    servers: [{ url: '/' }],
    paths: {
      '/api/jobs': {
        post: {
          operationId: 'createJob',
          summary: 'Start a job',
          description:
            'Routed like a Slack message unless `queue` is given. `callbackUrl` gets the final result, signed with this token.',
          security: AUTH,
          requestBody: { required: true, content: json('CreateJob') },
          responses: {
            '201': {
              description: 'Queued',
              headers: { Location: { description: 'The job', schema: { type: 'string' } } },
              content: json('JobCreated'),
            },
            '400': problem('The body is not valid; `field` names the field'),
            ...COMMON,
            '403': problem('The token lacks the write scope'),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: 'Jobs from the job history, newest first',
          security: AUTH,
          parameters: listParameters,
          responses: {
            '200': { description: 'One page', content: json('JobList') },
            '400': problem('A query parameter is not valid; `field` names it'),
            ...COMMON,
            '503': problem('The job history is not configured in this controller'),
          },
        },
      },
      '/api/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: "A job's state, answer and callback outcome",
          security: AUTH,
          parameters: [idParameter],
          responses: {
            '200': { description: 'The job', content: json('Job') },
            ...COMMON,
            '404': problem(
              'There is no such job (BullMQ keeps the last 100 completed and 50 failed; older ones come from the history)',
            ),
          },
        },
      },
      '/api/jobs/{id}/cancel': { post: action('cancel', 'Cancel a job the token started') },
      '/api/jobs/{id}/retry': { post: action('retry', 'Run a failed or cancelled job again') },
      '/api/jobs/{id}/promote': { post: action('promote', 'Change the priority of a waiting job', 'Promote') },
      '/api/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          responses: {
            '200': {
              description: 'The OpenAPI document',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/hooks/{name}': {
        post: {
          operationId: 'webhook',
          summary: 'An inbound webhook declared in HOOKS_FILE',
          description:
            "Signed with the hook's secret: GitHub's X-Hub-Signature-256, or X-AgentOps-Timestamp and X-AgentOps-Signature. See docs/api.md#webhooks.",
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '202': {
              description: 'Accepted (jobs queued) or ignored (events or when did not match)',
              content: json('HookAccepted'),
            },
            '400': problem('The body is not JSON'),
            '401': problem('The signature is missing, wrong, or its timestamp is outside WEBHOOK_TOLERANCE_SEC'),
            '404': problem('No hook of that name'),
            '409': problem('This delivery id was accepted before (a replay)'),
            '413': problem('The body is larger than WEBHOOK_MAX_BYTES'),
          },
        },
      },
    },
    components: {
      schemas: {
        CreateJob: schemaOf(createJobBody, 'input'),
        Promote: schemaOf(promoteBody, 'input'),
        JobCreated: schemaOf(jobCreated, 'output'),
        Job: schemaOf(jobView, 'output'),
        JobList: {
          ...schemaOf(jobList, 'output'),
          properties: { jobs: { type: 'array', items: ref('Job') }, nextCursor: { type: 'string' } },
        },
        ActionResult: schemaOf(actionResult, 'output'),
        HookAccepted: schemaOf(hookAccepted, 'output'),
        Problem: schemaOf(problemView, 'output'),
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'One of API_TOKENS' },
      },
    },
  };
}
