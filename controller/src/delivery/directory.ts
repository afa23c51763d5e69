// Who is in a Slack user group (usergroups.users.list), for the access lists
// that name groups (S…). A read of Slack's Web API, kept beside the delivery
// service as the one place that calls it.
import { WebClient } from '@slack/web-api';
import { SlackLogLevel, slackSdkLogger, type Logger } from '@agentops/core';

export interface SlackDirectory {
  /** The user ids in group `groupId`; throws when Slack cannot say. */
  membersOf(groupId: string): Promise<string[]>;
}

export function createSlackDirectory(token: string, apiUrl: string, logger: Logger): SlackDirectory {
  const client = new WebClient(token, {
    slackApiUrl: apiUrl,
    logger: slackSdkLogger(logger, { component: 'slack-directory', level: SlackLogLevel.ERROR }),
    timeout: 10_000,
  });
  return {
    async membersOf(groupId) {
      const response = await client.usergroups.users.list({ usergroup: groupId });
      return response.users ?? [];
    },
  };
}
