// V8 flags every AgentOps process runs with. Without them V8 keeps the heap it
// grew during a burst: after 10,000 jobs the controller sat at ~230 MB and the
// workers at ~180-215 MB of RSS while their live heap was 27-36 MB (measured by
// `npm run bench`). Capping the old space at 128 MB (4x the live heap) and the
// young generation's semi-spaces at 2 MB keeps them at ~100-130 MB at the same
// throughput. scripts/services.psd1 (Windows and systemd) must list the same
// flags; tests/acceptance/service-scripts.test.ts checks that it does.
export const NODE_FLAGS: readonly string[] = ['--max-old-space-size=128', '--max-semi-space-size=2'];
