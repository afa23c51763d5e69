// Each channel's default workspace (`/queue repo <name>`), in Redis so every
// controller sees it and it outlives restarts; kept until changed or cleared
// (`/queue repo none`). A stored name that is no longer configured is ignored
// by the choice, not deleted: configuring it again brings the default back.
import { redisKeys, type Redis } from '@agentops/core';

export interface ChannelWorkspaces {
  get(channel: string): Promise<string | undefined>;
  set(channel: string, workspace: string): Promise<void>;
  clear(channel: string): Promise<void>;
}

export function createChannelWorkspaces(redis: Redis, prefix: string): ChannelWorkspaces {
  const keys = redisKeys(prefix);
  return {
    async get(channel) {
      return (await redis.get(keys.channelWorkspace(channel))) ?? undefined;
    },
    async set(channel, workspace) {
      await redis.set(keys.channelWorkspace(channel), workspace);
    },
    async clear(channel) {
      await redis.del(keys.channelWorkspace(channel));
    },
  };
}
