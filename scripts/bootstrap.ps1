<#
.SYNOPSIS
First-time setup of AgentOps as Windows services: checks, installs, starts, verifies.

.DESCRIPTION
The 12 steps, in order:
 1. Verifies administrator rights
 2. Checks that Docker Desktop is running
 3. Checks that Chocolatey is installed (needed to install NSSM)
 4. Checks that Node.js is installed (the version package.json asks for)
 5. Verifies that TypeScript is compiled (every service's dist entry point exists)
 6. Verifies that the .env file exists
 7. Installs NSSM with Chocolatey (if not present)
 8. Creates the logs\ and legacy\ folders
 9. Runs install-services.ps1 to register the 4 NSSM services
10. Runs start-all.ps1 to start Docker Redis and all services
11. Waits 5 seconds for things to settle
12. Prints a status table showing each service's state

Every step can be repeated: after fixing a failed step, run bootstrap again.

.PARAMETER Account
Passed to install-services.ps1: the account that runs the services. Default: you.

.PARAMETER Credential
Passed to install-services.ps1: account and password, to skip the prompt.

.PARAMETER LocalSystem
Passed to install-services.ps1: run the services as LocalSystem.

.EXAMPLE
.\scripts\bootstrap.ps1
#>
[CmdletBinding(DefaultParameterSetName = 'User')]
param(
    [Parameter(ParameterSetName = 'User')]
    [string]$Account = '',

    [Parameter(ParameterSetName = 'User')]
    [System.Management.Automation.PSCredential]$Credential = $null,

    [Parameter(ParameterSetName = 'LocalSystem', Mandatory = $true)]
    [switch]$LocalSystem
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

$steps = 12

function Write-BootstrapStep {
    param([int]$Number, [string]$Message)
    Write-AgentOpsStep "[$Number/$steps] $Message"
}

function Invoke-BootstrapScript {
    <# Runs a sibling script and stops the bootstrap if it failed. #>
    param([string]$Name, [hashtable]$Arguments = @{})
    $global:LASTEXITCODE = 0
    & (Join-Path $PSScriptRoot $Name) @Arguments
    if ($global:LASTEXITCODE -ne 0) {
        throw "$Name failed (its message is above). Fix that, then run .\scripts\bootstrap.ps1 again: every step is safe to repeat."
    }
}

function Get-RequiredNodeVersion {
    <# The minimum version in package.json "engines", e.g. 20.19, as [version]. #>
    $package = Get-Content -LiteralPath (Join-Path (Get-AgentOpsRoot) 'package.json') -Raw | ConvertFrom-Json
    $wanted = [string]$package.engines.node
    if ($wanted -match '(\d+)\.(\d+)') { return [version]"$($Matches[1]).$($Matches[2])" }
    [version]'20.0'
}

try {
    Write-BootstrapStep 1 'Verifying administrator rights'
    Assert-AgentOpsAdministrator
    Write-AgentOpsOk 'running as administrator'
    $root = Get-AgentOpsRoot

    Write-BootstrapStep 2 'Checking Docker Desktop'
    $docker = Get-AgentOpsDocker
    Write-AgentOpsOk "Docker engine $($docker.Version) is running"

    Write-BootstrapStep 3 'Checking Chocolatey'
    $nssm = Find-AgentOpsTool 'nssm'
    $choco = Find-AgentOpsTool 'choco'
    if ($choco) {
        Write-AgentOpsOk "choco: $choco"
    }
    elseif ($nssm) {
        Write-AgentOpsWarning "Chocolatey is not installed; it is only needed to install NSSM, which is already there ($nssm)."
    }
    else {
        throw 'Chocolatey is not installed, and it is needed to install NSSM. Install it from https://chocolatey.org/install (or install NSSM yourself from https://nssm.cc and put nssm.exe on PATH), open a new administrator PowerShell and run bootstrap again.'
    }

    Write-BootstrapStep 4 'Checking Node.js'
    $node = Get-AgentOpsNode
    $version = (Invoke-AgentOpsTool -FilePath $node -ArgumentList @('--version') -Action 'ask node for its version').Output
    $required = Get-RequiredNodeVersion
    if ($version -notmatch '^v(\d+)\.(\d+)' -or [version]"$($Matches[1]).$($Matches[2])" -lt $required) {
        throw "Node.js $version is too old: AgentOps needs $required or newer. Install a current LTS from https://nodejs.org, open a new PowerShell window and run bootstrap again."
    }
    Write-AgentOpsOk "node $version ($node)"

    Write-BootstrapStep 5 'Verifying that TypeScript is compiled'
    Assert-AgentOpsBuild
    foreach ($service in (Get-AgentOpsService)) { Write-AgentOpsOk "$($service.Entry) ($($service.Name))" }

    Write-BootstrapStep 6 'Verifying the .env file'
    $envFile = Join-Path $root '.env'
    if (-not (Test-Path -LiteralPath $envFile)) {
        throw "$envFile does not exist. Create it with ""Copy-Item .env.example .env"" in $root and fill in the Slack values (README.md, Configuration), or leave them empty to run in local mode; then run bootstrap again."
    }
    Write-AgentOpsOk "$envFile exists"

    Write-BootstrapStep 7 'Installing NSSM (if not present)'
    if ($nssm) {
        Write-AgentOpsOk "NSSM is already installed: $nssm"
    }
    else {
        Write-AgentOpsInfo 'choco install nssm -y'
        Invoke-AgentOpsTool -FilePath $choco -ArgumentList @('install', 'nssm', '-y', '--no-progress') -Action 'install NSSM with Chocolatey' `
            -TimeoutSeconds 600 -Fix 'Run "choco install nssm -y" yourself to see the full message (network or proxy problems are the usual cause).' | Out-Null
        $nssm = Get-AgentOpsNssm
        Write-AgentOpsOk "NSSM installed: $nssm"
    }

    Write-BootstrapStep 8 'Creating the logs\ and legacy\ folders'
    foreach ($folder in @((Get-AgentOpsLogFolder), (Join-Path $root 'legacy'))) {
        if (Test-Path -LiteralPath $folder) {
            Write-AgentOpsOk "$folder exists"
        }
        else {
            New-Item -ItemType Directory -Path $folder | Out-Null
            Write-AgentOpsOk "$folder created"
        }
    }

    Write-BootstrapStep 9 'Registering the 4 NSSM services (install-services.ps1)'
    $installArguments = @{}
    foreach ($key in @('Account', 'Credential', 'LocalSystem')) {
        if ($PSBoundParameters.ContainsKey($key)) { $installArguments[$key] = $PSBoundParameters[$key] }
    }
    Invoke-BootstrapScript 'install-services.ps1' $installArguments

    Write-BootstrapStep 10 'Starting Docker Redis and all services (start-all.ps1)'
    Invoke-BootstrapScript 'start-all.ps1'

    Write-BootstrapStep 11 'Waiting 5 seconds for stabilization'
    Start-Sleep -Seconds 5
    Write-AgentOpsOk 'done'

    Write-BootstrapStep 12 'Service status'
    $rows = @(Get-AgentOpsStatus)
    Show-AgentOpsTable $rows
    $notRunning = @($rows | Where-Object { $_.State -ne 'Running' -or -not $_.NodePid })
    if ($notRunning.Count -gt 0) {
        throw "$(($notRunning | ForEach-Object { $_.Service }) -join ', ') stopped running after the start. Look at logs\<service>-stderr.log, fix the cause, then run .\scripts\start-all.ps1."
    }
    Write-Host ''
    Write-Host 'AgentOps is installed and running as Windows services.' -ForegroundColor Green
    Write-Host '  Logs:   logs\<service>-stdout.log and logs\<service>-stderr.log (rotated at 10 MB)'
    Write-Host '  Status: Get-Service agentops-*'
    Write-Host '  Stop:   .\scripts\stop-all.ps1      Start: .\scripts\start-all.ps1'
}
catch {
    Write-AgentOpsFailure $_
    exit 1
}
exit 0
