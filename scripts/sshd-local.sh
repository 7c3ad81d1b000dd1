#!/usr/bin/env bash
# A local sshd on 127.0.0.1 for Taskloop's ssh executor tests: its own host
# key, a generated client key in its authorized_keys, a non-default port, all
# in one temporary folder. Nothing outside the folder is changed.
#
#   scripts/sshd-local.sh start   install openssh-server if missing (Debian), start sshd
#   scripts/sshd-local.sh stop    stop it and remove the folder
#   scripts/sshd-local.sh env     the variables tests read (TASKLOOP_SSH_*)
#
# `start` prints `export` lines: TASKLOOP_SSH_PORT, TASKLOOP_SSH_KEY (the
# client's private key) and TASKLOOP_SSH_CONFIG (an ssh_config for the host
# alias `taskloop-local`, so `ssh -F $TASKLOOP_SSH_CONFIG taskloop-local`
# logs in as the current user).
#
# Settings (environment): TASKLOOP_SSHD_DIR (default ${TMPDIR:-/tmp}/taskloop-sshd),
# TASKLOOP_SSH_PORT (default 10022).
set -euo pipefail

dir=${TASKLOOP_SSHD_DIR:-${TMPDIR:-/tmp}/taskloop-sshd}
port=${TASKLOOP_SSH_PORT:-10022}

log() { echo "sshd-local: $*" >&2; }

print_env() {
    echo "export TASKLOOP_SSH_PORT=$port TASKLOOP_SSH_KEY=$dir/client_key TASKLOOP_SSH_CONFIG=$dir/ssh_config"
}

install_if_missing() {
    [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && return
    if ! command -v apt-get >/dev/null; then
        log "openssh-server is not installed and this is not a Debian-like system; install it"
        exit 3
    fi
    log "installing openssh-server"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null
}

start() {
    if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
        log "already running on 127.0.0.1:$port"
        print_env
        return
    fi
    install_if_missing
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    ssh-keygen -q -t ed25519 -N "" -f "$dir/host_key"
    ssh-keygen -q -t ed25519 -N "" -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    chmod 600 "$dir/authorized_keys"
    # sshd insists on its privilege-separation folder.
    [ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd; } 2>/dev/null || true
    cat > "$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PrintMotd no
MaxSessions 100
MaxStartups 100:30:200
LogLevel ERROR
CONF
    echo "127.0.0.1 $(cat "$dir/host_key.pub")" > "$dir/known_hosts"
    echo "[127.0.0.1]:$port $(cat "$dir/host_key.pub")" >> "$dir/known_hosts"
    cat > "$dir/ssh_config" <<CONF
Host taskloop-local
    HostName 127.0.0.1
    Port $port
    User $(id -un)
    IdentityFile $dir/client_key
    IdentitiesOnly yes
    UserKnownHostsFile $dir/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
    LogLevel ERROR
CONF
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    for _ in $(seq 50); do
        if ssh -F "$dir/ssh_config" taskloop-local true 2>/dev/null; then
            log "running on 127.0.0.1:$port"
            print_env
            return
        fi
        sleep 0.1
    done
    log "sshd did not accept a login in 5 s; log: $dir/sshd.log"
    tail -n 5 "$dir/sshd.log" >&2 || true
    stop
    exit 1
}

stop() {
    [ -d "$dir" ] || { log "not running"; return 0; }
    if [ -f "$dir/sshd.pid" ]; then
        local pid
        pid=$(cat "$dir/sshd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    log "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
