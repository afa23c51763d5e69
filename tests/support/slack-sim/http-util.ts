// HTTP plumbing: reading bodies and turning them into Web API arguments the
// way Slack does. @slack/web-api sends form-encoded bodies with object values
// JSON-stringified, multipart when an argument is binary, and other clients
// send JSON; all three must land as the same decoded argument object.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from './types.js';

const MAX_BODY_BYTES = 50 * 1024 * 1024;

/**
 * Form fields Slack documents as JSON-encoded. Only these are decoded, so a
 * message whose text merely looks like JSON stays a string.
 */
const JSON_FIELDS = new Set(['attachments', 'blocks', 'files', 'metadata', 'unfurls', 'user_auth_blocks']);

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('slack-sim: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface MultipartPart {
  name: string;
  value: string | Buffer;
  filename: string | undefined;
}

/** Parses multipart/form-data with the platform's own parser (undici's Response.formData). */
export async function parseMultipart(body: Buffer, contentType: string): Promise<MultipartPart[]> {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const parts: MultipartPart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      parts.push({ name, value, filename: undefined });
    } else {
      parts.push({ name, value: Buffer.from(await value.arrayBuffer()), filename: value.name });
    }
  }
  return parts;
}

function decodeField(key: string, value: string): unknown {
  if (!JSON_FIELDS.has(key)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // Slack would reject it; keeping the raw string shows the test what was sent.
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes a Web API request (query string plus body) into one argument object. */
export async function parseApiArgs(
  body: Buffer,
  contentType: string | undefined,
  query: URLSearchParams,
): Promise<JsonObject> {
  const args: JsonObject = {};
  for (const [key, value] of query) args[key] = decodeField(key, value);
  const type = (contentType ?? '').toLowerCase();
  if (body.length === 0) return args;
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!isJsonObject(parsed)) throw new Error('slack-sim: JSON body must be an object');
    return { ...args, ...parsed };
  }
  if (type.startsWith('multipart/form-data')) {
    for (const part of await parseMultipart(body, contentType ?? '')) {
      args[part.name] = typeof part.value === 'string' ? decodeField(part.name, part.value) : part.value;
    }
    return args;
  }
  // Form encoding is the default for @slack/web-api and for Slack itself.
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    args[key] = decodeField(key, value);
  }
  return args;
}

/** `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
