// What the delivery service sends: one Slack call each, named by a delivery
// key that makes it happen once. Producers (intake, command answers, the job
// thread feed) build these; only the delivery service turns them into Web API
// calls. Pure types.
import type { SlackMessage } from '@agentops/core';

/** A message to reply under or to edit: by its ts, or by the delivery key that posts it. */
export type MessageRef = { ts: string } | { key: string };

/** Block Kit content as stored in the outbox (the block shapes are the producers' business). */
export type OutboxMessage = SlackMessage<unknown>;

export interface OutboxFile {
  filename: string;
  title: string;
  content: string;
}

/** A new message in the channel or in a thread. Happens once per key. */
export interface PostDelivery {
  method: 'post';
  key: string;
  channel: string;
  thread?: MessageRef;
  message: OutboxMessage;
  /** This post is job `jobId`'s receipt: once sent, its ts and the job are linked both ways. */
  receiptOf?: string;
}

/** A message only `user` sees. Happens once per key. */
export interface EphemeralDelivery {
  method: 'ephemeral';
  key: string;
  channel: string;
  user: string;
  thread?: MessageRef;
  message: OutboxMessage;
}

/**
 * An edit of a message. Pending edits of one message collapse into the latest;
 * an edit older (by `at`) than one already queued or sent is dropped.
 */
export interface UpdateDelivery {
  method: 'update';
  channel: string;
  target: MessageRef;
  message: OutboxMessage;
  /** When the producer drew this content (ms); later content wins. */
  at: number;
  /** Not sent before this time (ms): a "Working" edit that a quick outcome should replace. */
  notBefore?: number;
  /** Least time after the previous edit of the same message (progress edits). */
  minGapMs?: number;
}

/** A file in a thread; `fallback` is posted instead if the app may not upload. Happens once per key. */
export interface UploadDelivery {
  method: 'upload';
  key: string;
  channel: string;
  thread?: MessageRef;
  file: OutboxFile;
  fallback: OutboxMessage[];
}

export type Delivery = PostDelivery | EphemeralDelivery | UpdateDelivery | UploadDelivery;
export type DeliveryMethod = Delivery['method'];

/** What happened to one delivery handed to the outbox. */
export type EnqueueOutcome = 'queued' | 'duplicate' | 'coalesced' | 'stale';
