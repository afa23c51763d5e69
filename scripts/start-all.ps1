<#
.SYNOPSIS
Starts Redis (Docker) and the four AgentOps services, controller first.

.DESCRIPTION
1. Checks that Docker Desktop answers.
2. Starts Redis with "docker compose up -d redis" (the repository's docker-compose.yml).
3. Waits until Redis answers PING with PONG (up to 30 s).
4. Starts agentops-controller, then the three workers.
5. Checks that each service runs its node process and prints a table.

.PARAMETER SettleSeconds
How long to let the processes run before checking them (default 5 s): a
process that fails at start (bad .env, missing build) has exited by then.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 120)]
    [int]$SettleSeconds = 5
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

    Write-AgentOpsStep 'Checking Docker Desktop'
    $docker = Get-AgentOpsDocker
    Write-AgentOpsOk "Docker engine $($docker.Version) is running"

    Write-AgentOpsStep 'Starting Redis (docker compose up -d redis)'
    Write-AgentOpsInfo 'the first start downloads the redis:7-alpine image, which can take a minute'
    Invoke-AgentOpsCompose -Docker $docker.Path -ArgumentList @('up', '-d', 'redis') -Action 'start Redis with docker compose' | Out-Null
    Write-AgentOpsOk 'Redis container is up'

    $waitSeconds = [int](Get-AgentOpsSetting 'RedisWaitSeconds')
    Write-AgentOpsStep "Waiting for Redis to answer PING (up to $waitSeconds s)"
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $answer = ''
    while ($clock.Elapsed.TotalSeconds -lt $waitSeconds) {
        $ping = Invoke-AgentOpsCompose -Docker $docker.Path -ArgumentList @('exec', '-T', 'redis', 'redis-cli', 'ping') `
            -Action 'ask Redis for PONG' -TimeoutSeconds 15 -AllowFailure
        $answer = $ping.Output
        if ($ping.ExitCode -eq 0 -and $answer -match 'PONG') { break }
        Start-Sleep -Seconds 1
    }
    if ($answer -notmatch 'PONG') {
        throw "Redis did not answer PING within $waitSeconds s (last answer: '$answer'). Look at its log with ""docker compose logs redis""; a common cause is another Redis already using port 6379 (""netstat -an | findstr 6379"")."
    }
    Write-AgentOpsOk "PONG after $([Math]::Round($clock.Elapsed.TotalSeconds, 1)) s"

    Write-AgentOpsStep 'Starting the services (controller first)'
    $services = @(Get-AgentOpsService -Order Start)
    $missing = @($services | Where-Object { -not (Get-AgentOpsInstalledService $_.Name) })
    if ($missing.Count -gt 0) {
        throw "These services are not installed: $(($missing | ForEach-Object { $_.Name }) -join ', '). Run .\scripts\install-services.ps1 first (or .\scripts\bootstrap.ps1)."
    }
    $failed = @()
    foreach ($service in $services) {
        $installed = Get-AgentOpsInstalledService $service.Name
        if ([string]$installed.Status -eq 'Running') {
            Write-AgentOpsOk "$($service.Name) was already running"
            continue
        }
        try {
            Start-Service -Name $service.Name -ErrorAction Stop
            Write-AgentOpsOk "$($service.Name) started"
        }
        catch {
            # A wrong service password shows here as a logon failure (error 1069).
            Write-AgentOpsWarning "$($service.Name) did not start: $($_.Exception.Message)"
            $failed += $service.Name
        }
    }

    Write-AgentOpsStep "Checking the services after $SettleSeconds s"
    Start-Sleep -Seconds $SettleSeconds
    $rows = @(Get-AgentOpsStatus)
    Show-AgentOpsTable $rows
    $notRunning = @($rows | Where-Object { $_.State -ne 'Running' -or -not $_.NodePid })
    if ($notRunning.Count -gt 0) {
        foreach ($row in $notRunning) {
            $service = Get-AgentOpsService | Where-Object { $_.Name -eq $row.Service }
            Write-Host ''
            Write-AgentOpsWarning "$($row.Service) is not running its node process (state $($row.State)). Last lines of $($service.StderrLog):"
            Write-Host (Get-AgentOpsLogTail -Path $service.StderrLog)
        }
        $hint = 'Fix the cause shown above (often .env or the build: "npm run build"), then run .\scripts\start-all.ps1 again.'
        if ($failed.Count -gt 0) {
            $hint += ' "Logon failure" means the service password is wrong: run .\scripts\install-services.ps1 again.'
        }
        throw "$($notRunning.Count) of $($rows.Count) services are not running. $hint"
    }
    Write-Host ''
    Write-Host 'AgentOps is running. Logs: logs\<service>-stdout.log. Stop it with .\scripts\stop-all.ps1' -ForegroundColor Green
}
catch {
    Write-AgentOpsFailure $_
    exit 1
}
exit 0
