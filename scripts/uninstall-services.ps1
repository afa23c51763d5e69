<#
.SYNOPSIS
Stops and removes the four AgentOps Windows services. Log files are kept.

.DESCRIPTION
Stops the workers, then the controller (as stop-all.ps1 does), then removes
each service with "nssm remove <service> confirm". Redis, the logs\ folder and
the repository are left as they are. Running it again when nothing is
installed does nothing.
#>
[CmdletBinding()]
param()

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

    $installed = @(Get-AgentOpsService -Order Stop | Where-Object { Get-AgentOpsInstalledService $_.Name })
    if ($installed.Count -eq 0) {
        Write-AgentOpsOk 'No AgentOps service is installed: nothing to remove.'
        exit 0
    }

    Write-AgentOpsStep 'Stopping the workers, then the controller'
    $stopped = @(Stop-AgentOpsServices)
    $stuck = @($stopped | Where-Object { $_.After -ne 'Stopped' -and $_.After -ne 'NotInstalled' })
    if ($stuck.Count -gt 0) {
        # Removing a running service only marks it for deletion; its process would keep running.
        throw "Not removing anything: $(($stuck | ForEach-Object { $_.Service }) -join ', ') did not stop. Try ""nssm stop <service>"" or end its node.exe in Task Manager, then run this script again."
    }

    Write-AgentOpsStep 'Removing the services'
    $nssm = Find-AgentOpsTool 'nssm'
    $rows = @()
    foreach ($service in $installed) {
        if ($nssm) {
            Invoke-AgentOpsNssm $nssm @('remove', $service.Name, 'confirm') "remove the $($service.Name) service" | Out-Null
        }
        else {
            # Without NSSM (uninstalled already) Windows' own tool removes the service entry.
            $sc = Join-Path $env:SystemRoot 'System32\sc.exe'
            Invoke-AgentOpsTool -FilePath $sc -ArgumentList @('delete', $service.Name) -Action "remove the $($service.Name) service" `
                -Fix 'Close the Services window (services.msc) if it is open and run this script again.' | Out-Null
        }
        $state = 'Removed'
        if (Get-AgentOpsInstalledService $service.Name) {
            # Windows finishes the removal once nothing holds the service open (services.msc, Task Manager).
            $state = 'MarkedForDeletion'
            Write-AgentOpsWarning "$($service.Name) is marked for deletion; close the Services window (or reboot) to finish."
        }
        else {
            Write-AgentOpsOk "$($service.Name) removed"
        }
        $rows += [pscustomobject]@{ Service = $service.Name; Result = $state }
    }

    Write-AgentOpsStep 'Summary'
    Show-AgentOpsTable $rows
    Write-Host "Log files are kept in $(Get-AgentOpsLogFolder). Redis was not touched (stop it with ""docker compose down"")."
}
catch {
    Write-AgentOpsFailure $_
    exit 1
}
exit 0
