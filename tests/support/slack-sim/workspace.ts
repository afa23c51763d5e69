// The simulated workspace's state: who and where exists, what was posted,
// uploaded and responded. The Web API handlers mutate it; tests read it.
import type {
  SimChannel,
  SimConfig,
  SimEphemeral,
  SimMessage,
  SimResponse,
  SimUpload,
  SimUser,
  SlackSimulatorOptions,
} from './types.js';

export class Workspace {
  private readonly channels = new Map<string, SimChannel>();
  private readonly users = new Map<string, SimUser>();
  private readonly groups = new Map<string, string[]>();
  /** Every message in post order; deleted ones are removed. */
  private posted: SimMessage[] = [];
  private ephemeralLog: SimEphemeral[] = [];
  private readonly uploadsById = new Map<string, SimUpload>();
  private responseLog: SimResponse[] = [];

  constructor(config: SimConfig, options: SlackSimulatorOptions) {
    this.users.set(config.botUserId, {
      id: config.botUserId,
      name: config.botName,
      realName: config.botName,
      isBot: true,
    });
    for (const channel of options.channels ?? []) this.addChannel(channel.id, channel.name, channel.isPrivate ?? false);
    for (const user of options.users ?? []) {
      this.addUser(user.id, user.name, user.realName ?? user.name, user.isBot ?? false);
    }
    for (const [id, members] of Object.entries(options.userGroups ?? {})) this.setUserGroup(id, members);
  }

  addChannel(id: string, name: string, isPrivate = false): SimChannel {
    const channel = { id, name, isPrivate };
    this.channels.set(id, channel);
    return channel;
  }

  addUser(id: string, name: string, realName = name, isBot = false): SimUser {
    const user = { id, name, realName, isBot };
    this.users.set(id, user);
    return user;
  }

  /** A user group (S…) and its members, as usergroups.users.list answers. */
  setUserGroup(id: string, members: string[]): void {
    this.groups.set(id, [...members]);
  }

  userGroup(id: string): string[] | undefined {
    return this.groups.get(id);
  }

  channel(id: string): SimChannel | undefined {
    return this.channels.get(id);
  }

  user(id: string): SimUser | undefined {
    return this.users.get(id);
  }

  /**
   * Channels and users a test sends from come into existence on first use,
   * so conversations.info/users.info answer for them without setup.
   */
  ensureChannel(id: string): SimChannel {
    return this.channels.get(id) ?? this.addChannel(id, `sim-${id.toLowerCase()}`, id.startsWith('G'));
  }

  ensureUser(id: string): SimUser {
    return this.users.get(id) ?? this.addUser(id, `user-${id.toLowerCase()}`, `Sim User ${id}`);
  }

  /** Adds a message, replacing one with the same channel and ts (a redelivered event). */
  putMessage(message: SimMessage): void {
    const index = this.posted.findIndex((m) => m.channel === message.channel && m.ts === message.ts);
    if (index >= 0) this.posted[index] = message;
    else this.posted.push(message);
  }

  findMessage(channel: string, ts: string): SimMessage | undefined {
    return this.posted.find((m) => m.channel === channel && m.ts === ts);
  }

  removeMessage(channel: string, ts: string): boolean {
    const before = this.posted.length;
    this.posted = this.posted.filter((m) => !(m.channel === channel && m.ts === ts));
    return this.posted.length !== before;
  }

  /** Messages in `channel` in post order; the bot's only unless `includeUsers`. */
  messages(channel: string, includeUsers: boolean, botUserId: string): SimMessage[] {
    return this.posted.filter((m) => m.channel === channel && (includeUsers || m.user === botUserId));
  }

  addEphemeral(ephemeral: SimEphemeral): void {
    this.ephemeralLog.push(ephemeral);
  }

  ephemerals(): SimEphemeral[] {
    return [...this.ephemeralLog];
  }

  addUpload(upload: SimUpload): void {
    this.uploadsById.set(upload.fileId, upload);
  }

  upload(fileId: string): SimUpload | undefined {
    return this.uploadsById.get(fileId);
  }

  uploads(): SimUpload[] {
    return [...this.uploadsById.values()];
  }

  addResponse(response: SimResponse): void {
    this.responseLog.push(response);
  }

  responses(): SimResponse[] {
    return [...this.responseLog];
  }

  /** Forgets everything posted; channels and users stay, they are setup. */
  reset(): void {
    this.posted = [];
    this.ephemeralLog = [];
    this.uploadsById.clear();
    this.responseLog = [];
  }
}
