<#
.SYNOPSIS
Disables the old pm2-based AgentOps setup, so it cannot run next to the services.

.DESCRIPTION
- pm2 (if installed): deletes every pm2 process, saves the now empty process
  list (so "pm2 resurrect" at logon starts nothing) and stops the pm2 daemon.
  The old saved list (dump.pm2) is archived first.
- Moves pm2 ecosystem files and pm2 start scripts found in the repository root
  and scripts\ into legacy\pm2-<timestamp>\.
- Moves pm2 shortcuts out of the Startup folders, removes "Run" registry
  entries that start pm2 (their values are written to the archive), disables
  scheduled tasks that start pm2 and disables pm2 Windows services.

Everything it does is listed at the end. Running it again finds nothing left
to do and changes nothing.
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

$script:Actions = @()
$script:Archive = ''

function Add-Action {
    param([string]$Item, [string]$Action)
    $script:Actions += [pscustomobject]@{ Item = $Item; Action = $Action }
    Write-AgentOpsOk "$($Item): $Action"
}

function Get-ArchiveFolder {
    <# legacy\pm2-<timestamp>\, created the first time something is archived. #>
    if (-not $script:Archive) {
        $name = 'pm2-' + (Get-Date -Format 'yyyyMMdd-HHmmss')
        $script:Archive = Join-Path (Join-Path (Get-AgentOpsRoot) 'legacy') $name
        New-Item -ItemType Directory -Path $script:Archive -Force | Out-Null
    }
    $script:Archive
}

function Get-Pm2ProcessName {
    <# The names in "pm2 jlist", or $null when its output cannot be read. #>
    param([string]$Pm2)
    $list = Invoke-AgentOpsTool -FilePath $Pm2 -ArgumentList @('jlist') -Action 'list the pm2 processes' -AllowFailure
    if ($list.ExitCode -ne 0) { return $null }
    # pm2 may print notices (e.g. "Spawning PM2 daemon") before the JSON line.
    $json = @($list.Output -split "`r?`n" | Where-Object { $_.TrimStart().StartsWith('[') }) | Select-Object -Last 1
    if (-not $json) { return $null }
    try {
        # The comma keeps an empty list a list: PowerShell would turn it into $null.
        return , @((ConvertFrom-Json -InputObject $json) | ForEach-Object { [string]$_.name })
    }
    catch {
        return $null
    }
}

function Disable-Pm2Process {
    $pm2 = Find-AgentOpsTool 'pm2.cmd'
    if (-not $pm2) { $pm2 = Find-AgentOpsTool 'pm2' }
    if (-not $pm2) {
        Write-AgentOpsInfo 'pm2 is not installed (not on PATH): no pm2 processes to stop'
        return
    }
    Write-AgentOpsInfo "pm2: $pm2"
    $pm2Home = $env:PM2_HOME
    if (-not $pm2Home) { $pm2Home = Join-Path $env:USERPROFILE '.pm2' }
    $dump = Join-Path $pm2Home 'dump.pm2'
    if ((Test-Path -LiteralPath $dump) -and ((Get-Content -LiteralPath $dump -Raw) -match '"name"')) {
        Copy-Item -LiteralPath $dump -Destination (Join-Path (Get-ArchiveFolder) 'dump.pm2')
        Add-Action $dump 'copied to the archive (the saved pm2 process list)'
    }
    $names = Get-Pm2ProcessName $pm2
    if ($null -eq $names -or $names.Count -gt 0) {
        Invoke-AgentOpsTool -FilePath $pm2 -ArgumentList @('delete', 'all') -Action 'delete the pm2 processes' `
            -Fix 'Run "pm2 delete all" yourself and look at its message.' | Out-Null
        $what = 'all pm2 processes'
        if ($names) { $what = 'pm2 processes ' + ($names -join ', ') }
        Add-Action $what 'stopped and deleted (pm2 delete all)'
    }
    else {
        Write-AgentOpsInfo 'pm2 runs no processes'
    }
    if (Test-Path -LiteralPath $dump) {
        $saved = Get-Content -LiteralPath $dump -Raw
        if ($saved -match '"name"') {
            # An empty saved list: "pm2 resurrect" (pm2's start at logon) then starts nothing.
            Invoke-AgentOpsTool -FilePath $pm2 -ArgumentList @('save', '--force') -Action 'save the empty pm2 process list' `
                -Fix 'Run "pm2 save --force" yourself and look at its message.' | Out-Null
            Add-Action $dump 'emptied (pm2 save --force), so pm2 resurrect starts nothing'
        }
    }
    $kill = Invoke-AgentOpsTool -FilePath $pm2 -ArgumentList @('kill') -Action 'stop the pm2 daemon' -AllowFailure
    if ($kill.ExitCode -eq 0) {
        Write-AgentOpsInfo 'pm2 daemon stopped (pm2 kill)'
    }
    else {
        Write-AgentOpsWarning "pm2 kill failed: $($kill.Output)"
    }
}

function Move-Pm2File {
    <# pm2 ecosystem files and pm2 start scripts in the repository root and scripts\. #>
    $root = Get-AgentOpsRoot
    $patterns = @(
        'ecosystem*.js', 'ecosystem*.cjs', 'ecosystem*.mjs', 'ecosystem*.json', 'ecosystem*.yml', 'ecosystem*.yaml',
        'pm2*.json', 'pm2*.yml', 'pm2*.yaml', '*pm2*.ps1', '*pm2*.bat', '*pm2*.cmd', '*pm2*.vbs', '*pm2*.lnk'
    )
    foreach ($folder in @($root, (Join-Path $root 'scripts'))) {
        $found = @(Get-ChildItem -Path (Join-Path $folder '*') -Include $patterns -File -ErrorAction SilentlyContinue)
        foreach ($file in $found) {
            Move-Item -LiteralPath $file.FullName -Destination (Get-ArchiveFolder)
            Add-Action $file.FullName 'moved to the archive'
        }
    }
}

function Move-Pm2Shortcut {
    foreach ($kind in @('Startup', 'CommonStartup')) {
        $folder = [System.Environment]::GetFolderPath($kind)
        if (-not $folder -or -not (Test-Path -LiteralPath $folder)) { continue }
        $found = @(Get-ChildItem -LiteralPath $folder -File -ErrorAction SilentlyContinue | Where-Object { $_.Name -match 'pm2' })
        foreach ($file in $found) {
            Move-Item -LiteralPath $file.FullName -Destination (Get-ArchiveFolder)
            Add-Action $file.FullName 'moved out of the Startup folder into the archive'
        }
    }
}

function Remove-Pm2RunEntry {
    foreach ($key in @('HKCU:\Software\Microsoft\Windows\CurrentVersion\Run', 'HKLM:\Software\Microsoft\Windows\CurrentVersion\Run')) {
        if (-not (Test-Path -LiteralPath $key)) { continue }
        $values = Get-ItemProperty -LiteralPath $key
        foreach ($property in $values.PSObject.Properties) {
            if ($property.Name -like 'PS*') { continue }
            if ($property.Name -notmatch 'pm2' -and [string]$property.Value -notmatch 'pm2') { continue }
            $record = "$key`r`n  $($property.Name) = $($property.Value)`r`n"
            Add-Content -LiteralPath (Join-Path (Get-ArchiveFolder) 'run-entries.txt') -Value $record
            Remove-ItemProperty -LiteralPath $key -Name $property.Name
            Add-Action "$key\$($property.Name)" 'removed (its value is in run-entries.txt in the archive)'
        }
    }
}

function Disable-Pm2Task {
    if (-not (Get-Command -Name Get-ScheduledTask -ErrorAction SilentlyContinue)) { return }
    $tasks = @(Get-ScheduledTask -ErrorAction SilentlyContinue | Where-Object {
            $task = $_
            $startsPm2 = @($task.Actions | Where-Object { ([string]$_.Execute + ' ' + [string]$_.Arguments) -match 'pm2' }).Count -gt 0
            ($task.TaskName -match 'pm2' -or $startsPm2) -and [string]$task.State -ne 'Disabled'
        })
    foreach ($task in $tasks) {
        Disable-ScheduledTask -TaskName $task.TaskName -TaskPath $task.TaskPath | Out-Null
        Add-Action "scheduled task $($task.TaskPath)$($task.TaskName)" 'disabled'
    }
}

function Disable-Pm2Service {
    $services = @(Get-Service -ErrorAction SilentlyContinue | Where-Object { $_.Name -match 'pm2' })
    foreach ($service in $services) {
        $mode = Get-CimInstance -ClassName Win32_Service -Filter "Name='$($service.Name)'" -ErrorAction SilentlyContinue
        $disabled = $mode -and [string]$mode.StartMode -eq 'Disabled'
        if ([string]$service.Status -eq 'Stopped' -and $disabled) { continue }
        if ([string]$service.Status -ne 'Stopped') {
            Stop-Service -Name $service.Name -Force -ErrorAction Stop
        }
        Set-Service -Name $service.Name -StartupType Disabled
        Add-Action "Windows service $($service.Name)" 'stopped and disabled (not removed)'
    }
}

try {
    Assert-AgentOpsAdministrator

    Write-AgentOpsStep 'pm2 processes'
    Disable-Pm2Process
    Write-AgentOpsStep 'pm2 ecosystem files and start scripts'
    Move-Pm2File
    Write-AgentOpsStep 'pm2 start at logon (Startup folders, Run entries, scheduled tasks, services)'
    Move-Pm2Shortcut
    Remove-Pm2RunEntry
    Disable-Pm2Task
    Disable-Pm2Service

    Write-AgentOpsStep 'Summary'
    if ($script:Actions.Count -eq 0) {
        Write-Host 'Nothing to do: no pm2 processes, files or start entries were found. The old setup is disabled.' -ForegroundColor Green
    }
    else {
        Show-AgentOpsTable $script:Actions
        if ($script:Archive) { Write-Host "Archived files are in $script:Archive" }
        Write-Host 'The old pm2 setup is disabled. Run this script again at any time: it only acts on what is left.' -ForegroundColor Green
    }
}
catch {
    Write-AgentOpsFailure $_
    if ($script:Actions.Count -gt 0) {
        Write-Host 'Done before the error:'
        Show-AgentOpsTable $script:Actions
    }
    exit 1
}
exit 0
