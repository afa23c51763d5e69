// Releases what a test helper started at the right time: called inside a test,
// when that test ends (so the per-test process check sees it gone); called in
// beforeAll, when the file ends. Releases run newest first.
import { afterAll, onTestFinished } from 'vitest';

type Release = () => unknown;

const fileReleases: Release[] = [];

/** Releases what was started outside a test; a file's own afterAll calls it before closing what those depend on. */
export async function releaseFileResources(): Promise<void> {
  for (const release of fileReleases.splice(0).reverse()) await release();
}

// A safety net for files that do not call it.
afterAll(releaseFileResources);

export function releaseAfter(...releases: Release[]): void {
  for (const release of releases) {
    try {
      onTestFinished(async () => void (await release()));
    } catch {
      // Not inside a test (beforeAll): Vitest refuses the hook, so the file releases it.
      fileReleases.push(release);
    }
  }
}
