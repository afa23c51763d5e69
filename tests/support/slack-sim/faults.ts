// Queued faults per Web API method, consumed one per call in the order added.
import type { SimFault } from './types.js';

export class FaultQueue {
  private readonly queues = new Map<string, SimFault[]>();

  add(method: string, fault: SimFault, times: number): void {
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`slack-sim: failNext times must be a positive integer, got ${times}`);
    }
    const queue = this.queues.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queues.set(method, queue);
  }

  /** The next fault for `method`, removed from the queue. */
  take(method: string): SimFault | undefined {
    const queue = this.queues.get(method);
    const fault = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.queues.delete(method);
    return fault;
  }

  pending(method: string): number {
    return this.queues.get(method)?.length ?? 0;
  }

  clear(): void {
    this.queues.clear();
  }
}
