// Slack being unwell for a while: every call to some methods (or to all) is
// slow, answers an HTTP status or an API error, or has its connection dropped,
// until the outage ends (after `forMs`, or when ended by hand).
import type { SimFault } from './types.js';

export type OutageKind = SimFault | { delayMs: number } | { drop: true };

export interface OutageSpec {
  /** Methods affected; all of them when unset. */
  methods?: string[];
  kind: OutageKind;
  /** How long it lasts; until end() when unset. */
  forMs?: number;
}

export interface Outage {
  end(): void;
}

interface Active {
  spec: OutageSpec;
  until: number;
}

export class Outages {
  private active: Active[] = [];

  start(spec: OutageSpec, now = Date.now()): Outage {
    const entry: Active = { spec, until: spec.forMs === undefined ? Number.POSITIVE_INFINITY : now + spec.forMs };
    this.active.push(entry);
    return {
      end: () => {
        this.active = this.active.filter((candidate) => candidate !== entry);
      },
    };
  }

  /** The outage a call to `method` meets now, newest first. */
  current(method: string, now = Date.now()): OutageKind | undefined {
    this.active = this.active.filter((entry) => entry.until > now);
    for (let index = this.active.length - 1; index >= 0; index -= 1) {
      const { spec } = this.active[index] as Active;
      if (spec.methods === undefined || spec.methods.includes(method)) return spec.kind;
    }
    return undefined;
  }

  clear(): void {
    this.active = [];
  }
}
