<#
.SYNOPSIS
Registers the four AgentOps Windows services with NSSM (or updates them).

.DESCRIPTION
Each service runs "node <entry point>" from the repository root, writes
logs\<service>-stdout.log and logs\<service>-stderr.log (rotated at 10 MB),
is restarted 5 s after it exits, and is stopped with Ctrl+C and a grace period.
Running it again updates the existing services instead of adding new ones.
It does not start them: run scripts\start-all.ps1 for that.

By default the services run under your own account, so that they see your
PATH, npm global packages (the Claude Code CLI) and files; you are asked for
your Windows password once.

.PARAMETER Account
The account that runs the services, as DOMAIN\user or .\user. Default: you.

.PARAMETER Credential
The account and password, to skip the password prompt (e.g. from Get-Credential).

.PARAMETER LocalSystem
Run the services as LocalSystem instead (no password). They then do not see
your user PATH, npm global packages or user-level environment variables.

.EXAMPLE
.\scripts\install-services.ps1

.EXAMPLE
.\scripts\install-services.ps1 -LocalSystem
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

function Get-ServiceLogon {
    <# The account and password the services will run under. #>
    if ($LocalSystem) {
        return [pscustomobject]@{ Account = 'LocalSystem'; Password = '' }
    }
    $credentialToUse = $Credential
    if (-not $credentialToUse) {
        $name = $Account
        if (-not $name) { $name = [System.Security.Principal.WindowsIdentity]::GetCurrent().Name }
        Write-AgentOpsInfo "The services will run as $name. Enter that account's Windows password."
        try {
            $credentialToUse = Get-Credential -UserName $name -Message "Windows password of $name, the account the AgentOps services run under"
        }
        catch {
            throw "Could not ask for the password ($($_.Exception.Message)). Pass -Credential (Get-Credential) or use -LocalSystem."
        }
        if (-not $credentialToUse) {
            throw 'No password was entered. Run the script again and enter the password, or use -LocalSystem to run the services without one.'
        }
    }
    $user = $credentialToUse.UserName
    if ($user -notmatch '\\' -and $user -notmatch '@') { $user = '.\' + $user }
    $password = $credentialToUse.GetNetworkCredential().Password
    if (-not $password) {
        throw "The account $user has no password; Windows services cannot log on with an empty password. Set a password for it, or use -LocalSystem."
    }
    Test-ServiceLogon -User $user -Password $password
    [pscustomobject]@{ Account = $user; Password = $password }
}

function Test-ServiceLogon {
    <#
    Warns early when Windows rejects the password; a wrong one would only show
    later, as error 1069 when the services start. A warning, not an error: the
    check can be wrong for Microsoft and Entra ID accounts.
    #>
    param([string]$User, [string]$Password)
    try {
        Add-Type -AssemblyName System.DirectoryServices.AccountManagement
        $domain, $name = $User -split '\\', 2
        $contextType = [System.DirectoryServices.AccountManagement.ContextType]::Domain
        if ($domain -eq '.' -or $domain -eq $env:COMPUTERNAME) {
            $contextType = [System.DirectoryServices.AccountManagement.ContextType]::Machine
        }
        $context = New-Object System.DirectoryServices.AccountManagement.PrincipalContext($contextType)
        if (-not $context.ValidateCredentials($name, $Password)) {
            Write-AgentOpsWarning "Windows did not accept this password for $User. If it is wrong the services will not start (error 1069, logon failure); run this script again to change it."
        }
    }
    catch {
        Write-AgentOpsInfo "(could not check the password here: $($_.Exception.Message))"
    }
}

try {
    Assert-AgentOpsAdministrator

    Write-AgentOpsStep 'Checking the build, Node.js and NSSM'
    Assert-AgentOpsBuild
    Write-AgentOpsOk 'all four entry points are built'
    $node = Get-AgentOpsNode
    Write-AgentOpsOk "node: $node"
    $nssm = Get-AgentOpsNssm
    Write-AgentOpsOk "nssm: $nssm"

    $root = Get-AgentOpsRoot
    $logs = Get-AgentOpsLogFolder
    if (-not (Test-Path -LiteralPath $logs)) {
        New-Item -ItemType Directory -Path $logs | Out-Null
    }
    Write-AgentOpsOk "log folder: $logs"

    Write-AgentOpsStep 'Choosing the service account'
    $logon = Get-ServiceLogon
    Write-AgentOpsOk "account: $($logon.Account)"

    $restartDelayMs = [string](Get-AgentOpsSetting 'RestartDelayMs')
    $rotateBytes = [string](Get-AgentOpsSetting 'RotateBytes')
    $rows = @()
    # V8 flags first, then the entry point relative to AppDirectory (no quoting trouble with spaces).
    $nodeFlags = Get-AgentOpsSetting 'NodeFlags'
    foreach ($service in (Get-AgentOpsService)) {
        $name = $service.Name
        $parameters = "$nodeFlags $($service.Entry)"
        Write-AgentOpsStep "Service $name"
        $existing = Get-AgentOpsInstalledService $name
        if ($existing) {
            Write-AgentOpsInfo 'already installed: updating its settings'
        }
        else {
            Invoke-AgentOpsNssm $nssm @('install', $name, $node, $parameters) "install the $name service" | Out-Null
            Write-AgentOpsOk 'installed'
        }
        # Every setting is written each time, so a second run repairs or updates
        # an existing service and never creates a duplicate.
        $settings = @(
            @('Application', $node),
            # Relative to AppDirectory: no quoting trouble when the path has spaces.
            @('AppParameters', $parameters),
            @('AppDirectory', $root),
            @('DisplayName', $name),
            @('Description', $service.Description),
            @('Start', 'SERVICE_AUTO_START'),
            # NSSM gives the process a console; Ctrl+C needs one.
            @('AppNoConsole', '0'),
            @('AppStdout', $service.StdoutLog),
            @('AppStderr', $service.StderrLog),
            @('AppRotateFiles', '1'),
            @('AppRotateOnline', '1'),
            @('AppRotateBytes', $rotateBytes),
            @('AppExit', 'Default', 'Restart'),
            @('AppRestartDelay', $restartDelayMs),
            # Stop: Ctrl+C (node gets SIGINT and shuts down in order), then wait
            # StopTimeoutMs, then TerminateProcess. 6 = skip WM_CLOSE (2) and
            # WM_QUIT (4): node has no windows or message queues, so they would
            # only add their own waits.
            @('AppStopMethodSkip', '6'),
            @('AppStopMethodConsole', [string]$service.StopTimeoutMs)
        )
        foreach ($setting in $settings) {
            Invoke-AgentOpsNssm $nssm (@('set', $name) + $setting) "set $($setting[0]) on $name" | Out-Null
        }
        Write-AgentOpsOk "node $($service.Entry) in $root, logs in $(Get-AgentOpsSetting 'LogFolder')\$name-stdout.log and -stderr.log"
        # NSSM grants the account the "Log on as a service" right when it sets it.
        # The password is an argument of this one call and is not printed.
        $objectName = @('set', $name, 'ObjectName', $logon.Account)
        if ($logon.Password) { $objectName += $logon.Password }
        Invoke-AgentOpsNssm $nssm $objectName "set the account of $name to $($logon.Account)" | Out-Null
        Write-AgentOpsOk "runs as $($logon.Account)"
        $state = 'Stopped'
        if ($existing) {
            $existing.Refresh()
            $state = [string]$existing.Status
            if ($state -ne 'Stopped') {
                Write-AgentOpsWarning "$name is $($state): the new settings apply from its next start (stop-all.ps1, then start-all.ps1)."
            }
        }
        $rows += [pscustomobject]@{ Service = $name; State = $state; Account = $logon.Account; Entry = $service.Entry }
    }

    Write-AgentOpsStep 'Installed services (not started)'
    Show-AgentOpsTable $rows
    Write-Host ''
    Write-Host 'Start them with .\scripts\start-all.ps1' -ForegroundColor Green
}
catch {
    Write-AgentOpsFailure $_
    exit 1
}
exit 0
