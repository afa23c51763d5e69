// docker-compose.yml and the Slack app manifest hold what the README promises.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/processes.js';

const load = (file: string) => parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML of any shape

describe('docker-compose.yml', () => {
  const compose = load('docker-compose.yml');

  it('runs Redis 7 on Alpine with AOF every second, noeviction, a health check and a named volume', () => {
    const redis = compose.services.redis;
    expect(redis.image).toMatch(/^redis:7(\.\d+)*-alpine$/);
    const command = (redis.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    const [volume] = (redis.volumes as string[])[0]!.split(':');
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(redis.ports[0]).toMatch(/^127\.0\.0\.1:6379:6379$/);
  });

  it('puts Qdrant under the optional memory profile', () => {
    expect(compose.services.qdrant.profiles).toEqual(['memory']);
    expect(compose.services.qdrant.ports[0]).toMatch(/^127\.0\.0\.1:6333:6333$/);
  });
});

describe('slack-app-manifest.yml', () => {
  const manifest = load('slack-app-manifest.yml');

  it('creates the /queue command, the events, interactivity and Socket Mode', () => {
    expect(manifest.features.slash_commands.map((command: { command: string }) => command.command)).toEqual(['/queue']);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['message.channels', 'message.groups']),
    );
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('asks for every scope the app uses, and no more', () => {
    // history: the delivery service finds an earlier post by its metadata; usergroups: groups in the access lists.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'channels:history',
      'channels:read',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'groups:read',
      'usergroups:read',
    ]);
  });
});
