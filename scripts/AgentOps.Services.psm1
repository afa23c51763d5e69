# What the AgentOps Windows service scripts share: the service table
# (services.psd1), the repository paths, the administrator check, running
# external tools (nssm, docker, choco, pm2) with checked exit codes, and the
# status, stop and log helpers.
#
# Works in Windows PowerShell 5.1 and PowerShell 7. Keep this file ASCII: 5.1
# reads files without a byte order mark in the ANSI code page.

$ErrorActionPreference = 'Stop'
# Catches misspelt variable names; the stricter levels also reject .Count on
# single objects in 5.1, which this code cannot test on Windows.
Set-StrictMode -Version 1.0

$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:Table = Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot 'services.psd1')

function Get-AgentOpsRoot {
    <# The repository root: the folder above scripts\, wherever it was cloned. #>
    $script:RepoRoot
}

function Get-AgentOpsSetting {
    <# A top-level value of services.psd1, e.g. RestartDelayMs. #>
    param([Parameter(Mandatory = $true)][string]$Name)
    if (-not $script:Table.ContainsKey($Name)) {
        throw "services.psd1 has no '$Name' setting. Restore scripts\services.psd1 from the repository."
    }
    $script:Table[$Name]
}

function Get-AgentOpsLogFolder {
    Join-Path $script:RepoRoot (Get-AgentOpsSetting 'LogFolder')
}

function Get-AgentOpsService {
    <#
    The four services in start order (controller first, then the workers) or in
    stop order (the workers, then the controller last), with absolute paths.
    #>
    param([ValidateSet('Start', 'Stop')][string]$Order = 'Start')
    $logs = Get-AgentOpsLogFolder
    $all = foreach ($entry in (Get-AgentOpsSetting 'Services')) {
        $relative = $entry.Entry -replace '/', '\'
        [pscustomobject]@{
            Name          = $entry.Name
            Role          = $entry.Role
            Description   = $entry.Description
            Entry         = $relative
            EntryPath     = Join-Path $script:RepoRoot $relative
            StopTimeoutMs = [int]$entry.StopTimeoutMs
            StdoutLog     = Join-Path $logs ($entry.Name + '-stdout.log')
            StderrLog     = Join-Path $logs ($entry.Name + '-stderr.log')
        }
    }
    $controllers = @($all | Where-Object { $_.Role -eq 'controller' })
    $workers = @($all | Where-Object { $_.Role -ne 'controller' })
    if ($Order -eq 'Start') { $controllers + $workers } else { $workers + $controllers }
}

function Write-AgentOpsStep {
    param([Parameter(Mandatory = $true)][string]$Message)
    Write-Host ''
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Write-AgentOpsOk {
    param([Parameter(Mandatory = $true)][string]$Message)
    Write-Host "    OK    $Message" -ForegroundColor Green
}

function Write-AgentOpsInfo {
    param([Parameter(Mandatory = $true)][string]$Message)
    Write-Host "          $Message"
}

function Write-AgentOpsWarning {
    param([Parameter(Mandatory = $true)][string]$Message)
    Write-Host "    WARN  $Message" -ForegroundColor Yellow
}

function Write-AgentOpsFailure {
    <#
    How every script reports the error that stopped it. The scripts' own errors
    (throw "...") say what to do; anything else is unexpected, so its location
    is shown too, for a bug report.
    #>
    param([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)
    Write-Host ''
    Write-Host "ERROR: $($ErrorRecord.Exception.Message)" -ForegroundColor Red
    if ($ErrorRecord.Exception.GetType() -ne [System.Management.Automation.RuntimeException]) {
        Write-Host $ErrorRecord.InvocationInfo.PositionMessage -ForegroundColor DarkGray
    }
}

function Assert-AgentOpsAdministrator {
    <# Stops the script unless it runs on Windows in an elevated session. #>
    if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) {
        throw 'These scripts manage Windows services and only run on Windows. On Linux use scripts/install-systemd.sh; on macOS see the launchd section of README.md.'
    }
    $identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object System.Security.Principal.WindowsPrincipal($identity)
    if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) {
        throw 'This script needs administrator rights: it installs, starts and stops Windows services. Open PowerShell with "Run as administrator" (right-click the PowerShell icon) and run it again.'
    }
}

function ConvertTo-AgentOpsArgument {
    <#
    Quotes one argument for a Windows command line so that the program receives
    it unchanged (the CommandLineToArgvW rules nssm, docker and choco follow).
    Doing it here keeps passwords and paths with spaces or quotes intact in both
    Windows PowerShell 5.1 and PowerShell 7, which quote native arguments
    differently.
    #>
    param([AllowEmptyString()][string]$Value)
    if ($Value.Length -gt 0 -and $Value -notmatch '[\s"]') { return $Value }
    $builder = New-Object System.Text.StringBuilder
    [void]$builder.Append('"')
    $backslashes = 0
    foreach ($character in $Value.ToCharArray()) {
        if ($character -eq '\') {
            $backslashes++
            continue
        }
        if ($character -eq '"') {
            # Backslashes before a quote are doubled, and the quote is escaped.
            [void]$builder.Append('\' * (2 * $backslashes + 1))
        }
        elseif ($backslashes -gt 0) {
            [void]$builder.Append('\' * $backslashes)
        }
        [void]$builder.Append($character)
        $backslashes = 0
    }
    # Backslashes before the closing quote are doubled so it stays a quote.
    [void]$builder.Append('\' * (2 * $backslashes))
    [void]$builder.Append('"')
    $builder.ToString()
}

function Invoke-AgentOpsTool {
    <#
    Runs an external program, waits for it and returns its output (stdout and
    stderr together). A non-zero exit code, a missing program or a time-out
    throws a message that says what failed and what to do, unless
    -AllowFailure is given: then the caller gets ExitCode and Output to judge.
    The arguments are never echoed: one of them may be a password.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [Parameter(Mandatory = $true)][string]$Action,
        [string]$Fix = '',
        [int]$TimeoutSeconds = 120,
        [switch]$AllowFailure
    )
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $FilePath
    $info.Arguments = (@($ArgumentList | ForEach-Object { ConvertTo-AgentOpsArgument $_ }) -join ' ')
    $info.WorkingDirectory = $script:RepoRoot
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.StandardOutputEncoding = [System.Text.Encoding]::UTF8
    $info.StandardErrorEncoding = [System.Text.Encoding]::UTF8
    $tool = [System.IO.Path]::GetFileName($FilePath)
    try {
        $process = [System.Diagnostics.Process]::Start($info)
    }
    catch {
        throw "Could not run $tool to $($Action): $($_.Exception.Message). $Fix"
    }
    # Both streams are read at once so that neither pipe fills up and blocks.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        try { $process.Kill() } catch { Write-Verbose "could not stop $($tool): $($_.Exception.Message)" }
        throw "$tool did not finish within $TimeoutSeconds s while trying to $Action. $Fix"
    }
    # A background process the tool started (pm2's daemon) may keep the pipes
    # open after the tool itself has exited: do not wait for it forever.
    $text = '(no output captured: a background process kept the output open)'
    if ($stdout.Wait(10000) -and $stderr.Wait(1000)) {
        $text = $stdout.Result + [System.Environment]::NewLine + $stderr.Result
    }
    # Some NSSM builds write UTF-16 when their output is redirected: drop the NULs.
    $output = ($text -replace "`0", '').Trim()
    $result = [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $output }
    if ($result.ExitCode -ne 0 -and -not $AllowFailure) {
        $detail = ''
        if ($output) { $detail = [System.Environment]::NewLine + '  ' + ($output -replace "`r?`n", ([System.Environment]::NewLine + '  ')) }
        throw "Could not $Action ($tool exited with code $($result.ExitCode)). $Fix$detail"
    }
    $result
}

function Find-AgentOpsTool {
    <# The full path of a program on PATH (node, docker, choco, nssm), or $null. #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $command = Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    $null
}

function Get-AgentOpsNode {
    $node = Find-AgentOpsTool 'node'
    if (-not $node) {
        throw 'Node.js was not found on PATH. Install Node.js 20.19 or newer from https://nodejs.org (or "choco install nodejs-lts -y"), open a new PowerShell window and run the script again.'
    }
    $node
}

function Get-AgentOpsNssm {
    $nssm = Find-AgentOpsTool 'nssm'
    if (-not $nssm) {
        # Chocolatey's shim folder may be missing from PATH in a window opened before it was installed.
        $chocolatey = $env:ChocolateyInstall
        if (-not $chocolatey) { $chocolatey = Join-Path $env:ProgramData 'chocolatey' }
        $candidate = Join-Path $chocolatey 'bin\nssm.exe'
        if (Test-Path -LiteralPath $candidate) { $nssm = $candidate }
    }
    if (-not $nssm) {
        throw 'NSSM was not found. Install it with "choco install nssm -y" (or run scripts\bootstrap.ps1, which does), then run this script again.'
    }
    $nssm
}

function Invoke-AgentOpsNssm {
    <# One nssm call with a checked exit code. #>
    param(
        [Parameter(Mandatory = $true)][string]$Nssm,
        [Parameter(Mandatory = $true)][string[]]$ArgumentList,
        [Parameter(Mandatory = $true)][string]$Action
    )
    Invoke-AgentOpsTool -FilePath $Nssm -ArgumentList $ArgumentList -Action $Action -TimeoutSeconds 60 `
        -Fix 'Check the message below; "nssm dump <service>" shows the current settings.'
}

function Get-AgentOpsDocker {
    <# The docker program, after checking that the engine answers. #>
    $docker = Find-AgentOpsTool 'docker'
    if (-not $docker) {
        throw 'Docker was not found on PATH. Install Docker Desktop (https://www.docker.com), start it, then run this script again.'
    }
    $info = Invoke-AgentOpsTool -FilePath $docker -ArgumentList @('info', '--format', '{{.ServerVersion}}') `
        -Action 'reach the Docker engine' -TimeoutSeconds 60 -AllowFailure
    if ($info.ExitCode -ne 0) {
        throw "Docker Desktop is not running (docker info failed: $($info.Output)). Start Docker Desktop, wait until it shows 'Engine running', then run this script again."
    }
    $compose = Invoke-AgentOpsTool -FilePath $docker -ArgumentList @('compose', 'version') `
        -Action 'find Docker Compose' -TimeoutSeconds 30 -AllowFailure
    if ($compose.ExitCode -ne 0) {
        throw 'Docker Compose v2 ("docker compose") is not available. Update Docker Desktop, which includes it, then run this script again.'
    }
    [pscustomobject]@{ Path = $docker; Version = $info.Output }
}

function Invoke-AgentOpsCompose {
    <# docker compose with the repository's docker-compose.yml, whatever the current folder. #>
    param(
        [Parameter(Mandatory = $true)][string]$Docker,
        [Parameter(Mandatory = $true)][string[]]$ArgumentList,
        [Parameter(Mandatory = $true)][string]$Action,
        [string]$Fix = 'Check that Docker Desktop is running and that port 6379 is free ("netstat -an | findstr 6379").',
        [int]$TimeoutSeconds = 300,
        [switch]$AllowFailure
    )
    $file = Join-Path $script:RepoRoot 'docker-compose.yml'
    if (-not (Test-Path -LiteralPath $file)) {
        throw "$file is missing. Restore it from the repository (git checkout -- docker-compose.yml)."
    }
    Invoke-AgentOpsTool -FilePath $Docker -ArgumentList (@('compose', '-f', $file) + $ArgumentList) -Action $Action `
        -Fix $Fix -TimeoutSeconds $TimeoutSeconds -AllowFailure:$AllowFailure
}

function Assert-AgentOpsBuild {
    <# Stops unless every service's entry point exists. #>
    $missing = @(Get-AgentOpsService | Where-Object { -not (Test-Path -LiteralPath $_.EntryPath) })
    if ($missing.Count -gt 0) {
        $list = ($missing | ForEach-Object { "$($_.Name): $($_.Entry)" }) -join ', '
        throw "The build output is missing ($list). In $script:RepoRoot run ""npm ci"" and then ""npm run build"", then run this script again."
    }
}

function Get-AgentOpsInstalledService {
    <# The Windows service with this name, or $null. #>
    param([Parameter(Mandatory = $true)][string]$Name)
    Get-Service -Name $Name -ErrorAction SilentlyContinue
}

function Get-AgentOpsNodeProcess {
    <# The node.exe that NSSM runs for a service, or $null when none is running. #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='$Name'" -ErrorAction SilentlyContinue
    if (-not $service -or -not $service.ProcessId) { return $null }
    Get-CimInstance -ClassName Win32_Process -Filter "ParentProcessId=$($service.ProcessId) AND Name='node.exe'" -ErrorAction SilentlyContinue |
        Select-Object -First 1
}

function Get-AgentOpsStatus {
    <# One row per service: state, node process and log files. #>
    foreach ($service in (Get-AgentOpsService)) {
        $installed = Get-AgentOpsInstalledService $service.Name
        $state = 'NotInstalled'
        $nodePid = ''
        if ($installed) {
            $state = [string]$installed.Status
            $node = Get-AgentOpsNodeProcess $service.Name
            if ($node) { $nodePid = [string]$node.ProcessId }
        }
        [pscustomobject]@{
            Service = $service.Name
            State   = $state
            NodePid = $nodePid
            Entry   = $service.Entry
            Log     = (Get-AgentOpsSetting 'LogFolder') + '\' + $service.Name + '-stdout.log'
        }
    }
}

function Show-AgentOpsTable {
    <# Prints objects as a table through Write-Host, so scripts return nothing. #>
    param([Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Rows)
    $text = ($Rows | Format-Table -AutoSize | Out-String -Width 200).TrimEnd()
    Write-Host $text
}

function Get-AgentOpsLogTail {
    <# The last lines of a log file, indented, or a note that it is empty. #>
    param([Parameter(Mandatory = $true)][string]$Path, [int]$Lines = 10)
    if (-not (Test-Path -LiteralPath $Path)) { return "          ($Path does not exist yet)" }
    $tail = @(Get-Content -LiteralPath $Path -Tail $Lines -ErrorAction SilentlyContinue)
    if ($tail.Count -eq 0) { return "          ($Path is empty)" }
    ($tail | ForEach-Object { "          | $_" }) -join [System.Environment]::NewLine
}

function Stop-AgentOpsServices {
    <#
    Stops the installed services: all workers at once, then the controller, each
    within its StopTimeoutMs (NSSM sends Ctrl+C and kills the process when that
    time is over) plus a margin for NSSM itself. Returns one row per service.
    #>
    $margin = 10
    $rows = @()
    $services = @(Get-AgentOpsService -Order Stop)
    $phases = @(
        @{ Label = 'workers'; Members = @($services | Where-Object { $_.Role -ne 'controller' }) },
        @{ Label = 'controller'; Members = @($services | Where-Object { $_.Role -eq 'controller' }) }
    )
    foreach ($phase in $phases) {
        $stopping = @()
        foreach ($service in $phase.Members) {
            $installed = Get-AgentOpsInstalledService $service.Name
            if (-not $installed) {
                $rows += [pscustomobject]@{ Service = $service.Name; Before = 'NotInstalled'; After = 'NotInstalled'; Seconds = '' }
                continue
            }
            $before = [string]$installed.Status
            if ($before -eq 'Stopped') {
                $rows += [pscustomobject]@{ Service = $service.Name; Before = $before; After = 'Stopped'; Seconds = '0' }
                continue
            }
            Write-AgentOpsInfo "stopping $($service.Name) (up to $([int]($service.StopTimeoutMs / 1000)) s to finish its work)"
            try {
                Stop-Service -Name $service.Name -NoWait -ErrorAction Stop
            }
            catch {
                Write-AgentOpsWarning "could not ask $($service.Name) to stop: $($_.Exception.Message)"
            }
            $stopping += [pscustomobject]@{ Service = $service; Before = $before; Clock = [System.Diagnostics.Stopwatch]::StartNew() }
        }
        foreach ($item in $stopping) {
            $handle = Get-AgentOpsInstalledService $item.Service.Name
            $limit = [int]($item.Service.StopTimeoutMs / 1000) + $margin
            $remaining = [Math]::Max(1, $limit - [int]$item.Clock.Elapsed.TotalSeconds)
            $after = 'Stopped'
            try {
                # Throws System.ServiceProcess.TimeoutException when the time is up.
                $handle.WaitForStatus('Stopped', [TimeSpan]::FromSeconds($remaining))
                Write-AgentOpsOk "$($item.Service.Name) stopped"
            }
            catch {
                $handle.Refresh()
                $after = [string]$handle.Status
                Write-AgentOpsWarning "$($item.Service.Name) did not stop within $limit s (now $after). Look at $($item.Service.StderrLog); ""nssm stop $($item.Service.Name)"" tries again."
            }
            $rows += [pscustomobject]@{
                Service = $item.Service.Name
                Before  = $item.Before
                After   = $after
                Seconds = [string][Math]::Round($item.Clock.Elapsed.TotalSeconds, 1)
            }
        }
    }
    $rows
}

Export-ModuleMember -Function @(
    'Get-AgentOpsRoot', 'Get-AgentOpsSetting', 'Get-AgentOpsLogFolder', 'Get-AgentOpsService',
    'Write-AgentOpsStep', 'Write-AgentOpsOk', 'Write-AgentOpsInfo', 'Write-AgentOpsWarning', 'Write-AgentOpsFailure',
    'Assert-AgentOpsAdministrator', 'ConvertTo-AgentOpsArgument', 'Invoke-AgentOpsTool', 'Find-AgentOpsTool',
    'Get-AgentOpsNode', 'Get-AgentOpsNssm', 'Invoke-AgentOpsNssm', 'Get-AgentOpsDocker', 'Invoke-AgentOpsCompose',
    'Assert-AgentOpsBuild', 'Get-AgentOpsInstalledService', 'Get-AgentOpsNodeProcess', 'Get-AgentOpsStatus',
    'Show-AgentOpsTable', 'Get-AgentOpsLogTail', 'Stop-AgentOpsServices'
)
