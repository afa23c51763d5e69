// The access lists as sets of user ids: ALLOWED_USERS, CODE_ALLOWED_USERS and
// ADMIN_USERS name users (U…, W…) and user groups (S…); groups are expanded
// through Slack and refreshed every few minutes. A group Slack cannot expand
// keeps its last known members (none at first), and says so in the log.
import { toCodedError, type Config, type Logger } from '@agentops/core';
import type { AccessPolicy } from './policy.js';

export interface GroupResolver {
  membersOf(groupId: string): Promise<string[]>;
}

const isGroup = (id: string) => id.startsWith('S');

/** The policy for `lists`, with each group replaced by `members` of it (pure). */
export function expandPolicy(
  lists: Pick<Config['access'], 'allowedUsers' | 'codeAllowedUsers' | 'adminUsers'>,
  members: ReadonlyMap<string, readonly string[]>,
): AccessPolicy {
  const expand = (ids: readonly string[]) =>
    new Set(ids.flatMap((id) => (isGroup(id) ? [...(members.get(id) ?? [])] : [id])));
  return {
    allowedUsers: expand(lists.allowedUsers),
    codeUsers: expand(lists.codeAllowedUsers),
    adminUsers: expand(lists.adminUsers),
  };
}

export interface Roles {
  /** The current policy (groups as of the last refresh). */
  policy(): AccessPolicy;
  refresh(): Promise<void>;
  close(): void;
}

/** Starts with users only; groups are filled in by refresh(), then every `everyMs`. */
export function createRoles(
  lists: Config['access'],
  resolver: GroupResolver | undefined,
  logger: Logger,
  everyMs = 5 * 60_000,
): Roles {
  const groups = [...new Set([...lists.allowedUsers, ...lists.codeAllowedUsers, ...lists.adminUsers].filter(isGroup))];
  const members = new Map<string, readonly string[]>();
  let current = expandPolicy(lists, members);
  const refresh = async () => {
    if (!resolver || groups.length === 0) return;
    for (const group of groups) {
      try {
        members.set(group, await resolver.membersOf(group));
      } catch (error) {
        logger.warn(
          { access: 'group_unresolved', group, err: toCodedError(error) },
          `[access] Could not read the members of user group ${group} (the app needs usergroups:read); keeping the last known members`,
        );
      }
    }
    current = expandPolicy(lists, members);
  };
  const timer = groups.length > 0 && resolver ? setInterval(() => void refresh(), everyMs) : undefined;
  timer?.unref();
  return {
    policy: () => current,
    refresh,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}
