<#
.SYNOPSIS
Stops the AgentOps services in a safe order, then Redis.

.DESCRIPTION
1. Stops the three workers (all at once): each gets Ctrl+C, lets its running
   jobs finish for SHUTDOWN_GRACE_MS (15 s), hands the rest back to the queue
   and exits; NSSM kills it if it takes longer than its stop time.
2. Stops the controller last, so nothing is enqueued for a worker that is gone.
3. Stops Redis with "docker compose down" (its data stays in the Docker
   volume), unless -KeepRedis is given.
4. Prints a summary.

.PARAMETER KeepRedis
Leave the Redis container running.
#>
[CmdletBinding()]
param(
    [switch]$KeepRedis
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 1.0

try {
    Import-Module (Join-Path $PSScriptRoot 'AgentOps.Services.psm1') -Force
}
catch {
    Write-Host "ERROR: could not load scripts\AgentOps.Services.psm1 ($($_.Exception.Message)). Restore the scripts folder from the repository." -ForegroundColor Red
    exit 1
}

try {
    Assert-AgentOpsAdministrator

    Write-AgentOpsStep 'Stopping the workers, then the controller'
    $rows = @(Stop-AgentOpsServices)

    $redis = 'left running (-KeepRedis)'
    if (-not $KeepRedis) {
        Write-AgentOpsStep 'Stopping Redis (docker compose down)'
        $docker = Find-AgentOpsTool 'docker'
        if (-not $docker) {
            Write-AgentOpsWarning 'docker was not found on PATH: Redis was not stopped. Stop it from Docker Desktop if it runs.'
            $redis = 'not stopped (docker not found)'
        }
        else {
            $down = Invoke-AgentOpsCompose -Docker $docker -ArgumentList @('down') -Action 'stop Redis with docker compose' `
                -TimeoutSeconds 120 -AllowFailure
            if ($down.ExitCode -eq 0) {
                Write-AgentOpsOk 'Redis stopped; its data stays in the Docker volume'
                $redis = 'stopped'
            }
            else {
                Write-AgentOpsWarning "docker compose down failed: $($down.Output). If Docker Desktop is not running, Redis is not running either."
                $redis = 'not stopped (docker compose down failed)'
            }
        }
    }

    Write-AgentOpsStep 'Summary'
    Show-AgentOpsTable $rows
    Write-Host "Redis: $redis"
    $stuck = @($rows | Where-Object { $_.After -ne 'Stopped' -and $_.After -ne 'NotInstalled' })
    if ($stuck.Count -gt 0) {
        throw "$($stuck.Count) service(s) did not stop: $(($stuck | ForEach-Object { $_.Service }) -join ', '). Run .\scripts\stop-all.ps1 again, or ""nssm stop <service>""; the stderr logs in logs\ may say why."
    }
    Write-Host ''
    Write-Host 'AgentOps is stopped. Start it again with .\scripts\start-all.ps1' -ForegroundColor Green
}
catch {
    Write-AgentOpsFailure $_
    exit 1
}
exit 0
