# Sourced: an sshd on 127.0.0.1 with a host key and a client key made in
# WORK, for `connect --fdpass` with ssh's ProxyUseFdpass. Needs pids=() and
# py set by the caller; sets sshd_port and ssh_key.
start_loopback_sshd() {
  local work=$1
  local sshd
  sshd=$(command -v sshd || echo /usr/sbin/sshd)
  ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$work/id"
  cp "$work/id.pub" "$work/authorized_keys"
  chmod 600 "$work/authorized_keys"
  sshd_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  ssh_key=$work/id
  cat >"$work/sshd_config" <<CONF
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
CONF
  # privilege separation wants its directory when sshd runs as root
  [ "$(id -u)" != 0 ] || mkdir -p /run/sshd
  "$sshd" -f "$work/sshd_config" -D -e -p "$sshd_port" 2>"$work/sshd.log" &
  pids+=($!)
  for _ in $(seq 100); do
    "$py" -c "import socket; socket.create_connection(('127.0.0.1', $sshd_port)).close()" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "sshd did not start: $(cat "$work/sshd.log")" >&2
  return 1
}

have_loopback_sshd() {
  command -v ssh >/dev/null && [ -x "$(command -v sshd || echo /usr/sbin/sshd)" ]
}
