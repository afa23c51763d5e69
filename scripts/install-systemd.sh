#!/usr/bin/env bash
# Installs the AgentOps processes as systemd units: the controller, the three
# workers and agentops.target, which starts the controller first and stops the
# workers first. The services come from scripts/services.psd1 (the same table the
# Windows scripts use); the units are rendered from scripts/systemd/*.in with
# absolute paths.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/install-systemd.sh [--system] [--dry-run] [--uninstall] [--node PATH] [--run-as USER]

Installs the AgentOps systemd units (agentops.target and one service per entry
of scripts/services.psd1: the controller and the three workers), reloads systemd
and enables agentops.target. It does not start anything.

  (default)      user units in ~/.config/systemd/user (systemctl --user)
  --system       system units in /etc/systemd/system (run with sudo); the
                 processes run as --run-as USER (default: the user who ran sudo)
  --dry-run      print the units and what would be done; change nothing
  --uninstall    stop agentops.target (workers first), disable it, remove the units
  --node PATH    the node binary to use (default: command -v node)
  -h, --help     this text

Then:  systemctl --user start agentops.target    (without --user for --system)
Logs:  journalctl --user -u 'agentops-*' -f
EOF
}

fail() {
  printf 'install-systemd.sh: %s\n' "$1" >&2
  exit 1
}

mode=user
dry_run=0
uninstall=0
node=''
run_as=''
while (($# > 0)); do
  case "$1" in
    --system) mode=system ;;
    --user) mode=user ;;
    --dry-run) dry_run=1 ;;
    --uninstall) uninstall=1 ;;
    --node)
      (($# > 1)) || fail '--node needs a path, e.g. --node /usr/bin/node'
      node=$2
      shift
      ;;
    --run-as)
      (($# > 1)) || fail '--run-as needs a user name'
      run_as=$2
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "unknown option '$1'"
      ;;
  esac
  shift
done

# The repository root is the folder above this script, wherever it was cloned.
case "${BASH_SOURCE[0]}" in
  */*) script_dir=${BASH_SOURCE[0]%/*} ;;
  *) script_dir=. ;;
esac
script_dir=$(cd "$script_dir" && pwd -P)
root=$(cd "$script_dir/.." && pwd -P)
table="$script_dir/services.psd1"
templates="$script_dir/systemd"

# --- the service table ------------------------------------------------------
[[ -f $table ]] || fail "$table is missing; restore it from the repository (git checkout -- scripts/services.psd1)"
names=()
roles=()
entries=()
timeouts=()
descriptions=()
restart_ms=''
field() {
  # Prints the value of `Key = 'text'` or `Key = 123` in one line of services.psd1.
  local line=$1 key=$2
  local quoted="(^|[;{[:space:]])$key[[:space:]]*=[[:space:]]*'([^']*)'"
  local number="(^|[;{[:space:]])$key[[:space:]]*=[[:space:]]*([0-9]+)"
  if [[ $line =~ $quoted ]] || [[ $line =~ $number ]]; then
    printf '%s' "${BASH_REMATCH[2]}"
  fi
}
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line =~ ^[[:space:]]*# ]]; then continue; fi
  name=$(field "$line" Name)
  if [[ -n $name ]]; then
    entry=$(field "$line" Entry)
    role=$(field "$line" Role)
    timeout=$(field "$line" StopTimeoutMs)
    [[ -n $entry && -n $role && -n $timeout ]] ||
      fail "$table: the line for $name needs Name, Role, Entry and StopTimeoutMs on one line"
    names+=("$name")
    roles+=("$role")
    entries+=("$entry")
    timeouts+=("$timeout")
    descriptions+=("$(field "$line" Description)")
  fi
  value=$(field "$line" RestartDelayMs)
  if [[ -n $value ]]; then restart_ms=$value; fi
  value=$(field "$line" NodeFlags)
  if [[ -n $value ]]; then node_flags=$value; fi
done <"$table"
((${#names[@]} > 0)) || fail "$table lists no services"
[[ -n $restart_ms ]] || fail "$table has no RestartDelayMs"
[[ -n ${node_flags:-} ]] || fail "$table has no NodeFlags"
controller=''
for i in "${!names[@]}"; do
  if [[ ${roles[$i]} == controller ]]; then controller=${names[$i]}; fi
done
[[ -n $controller ]] || fail "$table has no service with Role = 'controller'"

# --- where the units go -----------------------------------------------------
if [[ $mode == system ]]; then
  unit_dir=/etc/systemd/system
  systemctl_args=()
  scope=''
  wanted_by=multi-user.target
  journal='journalctl'
else
  unit_dir="${XDG_CONFIG_HOME:-${HOME:?HOME is not set}/.config}/systemd/user"
  systemctl_args=(--user)
  scope='--user '
  wanted_by=default.target
  journal='journalctl --user'
fi
unit_files=(agentops.target)
for name in "${names[@]}"; do unit_files+=("$name.service"); done

run() {
  # Runs a command, or only prints it with --dry-run.
  if ((dry_run)); then
    printf '# would run: %s\n' "$*"
  else
    "$@"
  fi
}

need_systemctl() {
  ((dry_run)) && return 0
  command -v systemctl >/dev/null 2>&1 ||
    fail 'systemctl was not found: this machine does not use systemd. Run AgentOps with "npm start" instead, or see README.md for launchd (macOS) and the Windows services.'
  if [[ $mode == system ]]; then
    ((EUID == 0)) || fail '--system writes to /etc/systemd/system: run it with sudo (sudo scripts/install-systemd.sh --system)'
  else
    systemctl --user show-environment >/dev/null 2>&1 ||
      fail 'no systemd user instance is reachable (no login session, e.g. over "sudo su" or in a container). Log in as the user that will run AgentOps and run this again, or use --system with sudo.'
  fi
}

need_systemctl

if ((uninstall)); then
  if ((!dry_run)) && systemctl "${systemctl_args[@]}" is-active --quiet agentops.target; then
    echo 'Stopping agentops.target (workers first, then the controller)'
  fi
  # One transaction: the ordering applies, so the workers stop before the controller.
  run systemctl "${systemctl_args[@]}" stop "${unit_files[@]}" || true
  run systemctl "${systemctl_args[@]}" disable agentops.target || true
  for file in "${unit_files[@]}"; do
    if [[ -e "$unit_dir/$file" ]] || ((dry_run)); then
      run rm -f "$unit_dir/$file"
    fi
  done
  run systemctl "${systemctl_args[@]}" daemon-reload
  echo "Removed the AgentOps units from $unit_dir. Logs stay in the journal ($journal -u 'agentops-*')."
  exit 0
fi

# --- checks -----------------------------------------------------------------
missing=()
for i in "${!names[@]}"; do
  [[ -f "$root/${entries[$i]}" ]] || missing+=("${names[$i]}: ${entries[$i]}")
done
if ((${#missing[@]} > 0)); then
  printf '  missing: %s\n' "${missing[@]}" >&2
  fail "the build output is missing. In $root run \"npm ci && npm run build\", then run this script again."
fi

case $node in
  '') node=$(command -v node || true) ;;
  */*) ;;
  *) node=$(command -v "$node" || true) ;;
esac
[[ -n $node ]] || fail 'node was not found on PATH. Install Node.js 20.19 or newer (https://nodejs.org, or your package manager), or pass --node /path/to/node (under sudo, PATH may not include your node).'
[[ -f $node && -x $node ]] || fail "$node is not an executable node binary; pass --node /path/to/node"
# An absolute path: the units run without this shell's PATH.
node="$(cd "${node%/*}" && pwd -P)/${node##*/}"
"$node" -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' 2>/dev/null ||
  fail "$node is Node.js $("$node" --version 2>/dev/null || echo '(unknown version)'); AgentOps needs 20.19 or newer. Install a newer one or pass --node."

account_line='# Runs as the user whose systemd instance starts it (systemctl --user).'
if [[ $mode == system ]]; then
  if [[ -z $run_as ]]; then run_as=${SUDO_USER:-$(id -un)}; fi
  [[ $run_as != root ]] || echo 'install-systemd.sh: note: the services will run as root; pass --run-as USER to use an ordinary account.' >&2
  account_line="User=$run_as"
fi

for path in "$root" "$node"; do
  [[ $path != *[$'\n'\"\\]* ]] || fail "the path '$path' contains a quote, backslash or newline, which systemd unit files cannot hold here; move it to a plainer path"
done

# --- rendering --------------------------------------------------------------
unit_escape() {
  # % starts a systemd specifier: write it as %%.
  printf '%s' "${1//%/%%}"
}
exec_word() {
  # One ExecStart word: $ is expanded by systemd, so it is doubled; words with
  # spaces are quoted.
  local word
  word=$(unit_escape "$1")
  word=${word//\$/\$\$}
  if [[ $word == *[[:space:]]* ]]; then printf '"%s"' "$word"; else printf '%s' "$word"; fi
}
quote_value() {
  # A whole-value setting (Environment=) whose value has spaces is quoted.
  local value
  value=$(unit_escape "$1")
  if [[ $value == *[[:space:]]* ]]; then printf '"%s"' "$value"; else printf '%s' "$value"; fi
}
fill() {
  # fill TEMPLATE KEY VALUE...: replaces each @KEY@ (quoted, so & and \ stay literal).
  local text=$1
  shift
  while (($# > 1)); do
    text=${text//"@$1@"/"$2"}
    shift 2
  done
  if [[ $text =~ @[A-Z_]+@ ]]; then
    fail "template placeholder ${BASH_REMATCH[0]} was not filled; scripts/systemd/ and this script do not match"
  fi
  printf '%s\n' "$text"
}

[[ -f $templates/agentops-service.in && -f $templates/agentops.target.in ]] ||
  fail "the unit templates are missing from $templates; restore scripts/systemd/ from the repository"
service_template=$(<"$templates/agentops-service.in")
target_template=$(<"$templates/agentops.target.in")
doc_root=$(unit_escape "${root// /%20}")
search_path=${node%/*}
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [[ $dir == "${node%/*}" ]] || search_path="$search_path:$dir"
done
path_env=$(quote_value "PATH=$search_path")
redis_units='network-online.target redis-server.service redis.service docker.service'

rendered=()
rendered+=("$(fill "$target_template" SCOPE "$scope" DOC_ROOT "$doc_root" SERVICES "${names[*]/%/.service}" WANTED_BY "$wanted_by")")
for i in "${!names[@]}"; do
  after=$redis_units
  [[ ${roles[$i]} == controller ]] || after="$after $controller.service"
  rendered+=("$(fill "$service_template" \
    NAME "${names[$i]}" \
    DESCRIPTION "$(unit_escape "${descriptions[$i]:-${names[$i]}}")" \
    DOC_ROOT "$doc_root" \
    AFTER "$after" \
    ACCOUNT "$account_line" \
    WORKDIR "$(unit_escape "$root")" \
    PATH_ENV "$path_env" \
    EXEC_START "$(exec_word "$node") $node_flags $(exec_word "$root/${entries[$i]}")" \
    RESTART_SEC "$((restart_ms / 1000))" \
    TIMEOUT_STOP_SEC "$(((timeouts[i] + 999) / 1000))")")
done

# --- install ----------------------------------------------------------------
if ((dry_run)); then
  echo "# Dry run: nothing is written. Units for $mode mode in $unit_dir:"
fi
run mkdir -p "$unit_dir"
for i in "${!unit_files[@]}"; do
  target_file="$unit_dir/${unit_files[$i]}"
  if ((dry_run)); then
    printf '\n# ---- %s ----\n%s\n' "$target_file" "${rendered[$i]}"
  else
    printf '%s\n' "${rendered[$i]}" >"$target_file.tmp"
    mv -f "$target_file.tmp" "$target_file"
    echo "wrote $target_file"
  fi
done
if ((dry_run)); then echo; fi
run systemctl "${systemctl_args[@]}" daemon-reload
run systemctl "${systemctl_args[@]}" enable agentops.target

if ((dry_run)); then
  done_line="Dry run: this would install the units above ($mode) and enable agentops.target."
else
  done_line="AgentOps units installed ($mode) and agentops.target enabled; nothing was started."
fi
cat <<EOF

$done_line
  start:   systemctl ${scope}start agentops.target     (controller first, then the workers)
  stop:    systemctl ${scope}stop agentops.target      (workers first, then the controller)
  status:  systemctl ${scope}list-units 'agentops-*'
  logs:    $journal -u 'agentops-*' -f
EOF
if [[ $mode == user ]]; then
  echo "  boot:    loginctl enable-linger $(id -un)     (start at boot, without logging in)"
fi
echo 'Redis must be running first: sudo systemctl enable --now redis-server, or docker compose up -d redis.'
