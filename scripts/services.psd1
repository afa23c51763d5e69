# The AgentOps services: the one table every service script reads.
#
# Readers: the Windows scripts (through AgentOps.Services.psm1, with
# Import-PowerShellDataFile), scripts/install-systemd.sh (line by line, so keep
# each service on ONE line and use single-quoted values without quotes inside)
# and tests/acceptance/service-scripts.test.ts.
#
# Order: the controller starts first, then the workers in the order listed.
# Stopping runs the other way round: the workers (in the order listed), then the
# controller last, so it never enqueues for workers that are going away.
#
# Entry: the file `npm run build` produces, relative to the repository root.
#
# StopTimeoutMs: how long a stopping process may take before it is killed
# (NSSM AppStopMethodConsole after Ctrl+C; systemd TimeoutStopSec after SIGINT).
# - The controller gives itself 10 s to close Slack, HTTP and Redis: 15 s.
# - A worker lets running jobs finish for SHUTDOWN_GRACE_MS (15 s by default),
#   then aborts them and hands them back to the queue, which takes up to 6 s more
#   (the runtime's abort settle time); 25 s covers both with room for closing
#   Redis. Killing a worker at 15 s would skip the hand-back and leave its jobs
#   locked until the stalled-job check (60 to 90 s). Raise it if you raise
#   SHUTDOWN_GRACE_MS.
@{
    Services = @(
        @{ Name = 'agentops-controller'; Role = 'controller'; Entry = 'controller/dist/server.js'; StopTimeoutMs = 15000; Description = 'AgentOps controller: Slack, queues and the operations HTTP server' }
        @{ Name = 'agentops-local-worker'; Role = 'worker'; Entry = 'workers/local-worker/dist/worker.js'; StopTimeoutMs = 25000; Description = 'AgentOps local worker: local queue jobs with LM Studio' }
        @{ Name = 'agentops-code-worker'; Role = 'worker'; Entry = 'workers/code-worker/dist/worker.js'; StopTimeoutMs = 25000; Description = 'AgentOps code worker: code queue jobs with the Claude Code CLI' }
        @{ Name = 'agentops-research-worker'; Role = 'worker'; Entry = 'workers/research-worker/dist/worker.js'; StopTimeoutMs = 25000; Description = 'AgentOps research worker: research queue jobs' }
    )

    # A crashed process is started again after this delay (NSSM AppRestartDelay,
    # systemd RestartSec).
    RestartDelayMs = 5000

    # NSSM log rotation: a log file is rotated once it reaches this size (10 MB).
    RotateBytes = 10485760

    # Log files (Windows): logs\<service>-stdout.log and logs\<service>-stderr.log.
    LogFolder = 'logs'

    # start-all.ps1 waits this long for Redis to answer PING.
    RedisWaitSeconds = 30

    # Node/V8 flags before each entry point: keep resident memory near the live
    # heap after bursts (see scripts/src/node-flags.ts, which must match).
    NodeFlags = '--max-old-space-size=128 --max-semi-space-size=2'
}
