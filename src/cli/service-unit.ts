/**
 * The systemd unit hookrelay runs under, hardened the way systemd.exec(5) allows for a
 * network daemon that keeps state in one directory. `hookrelay install-service` prints or
 * writes it; `npm run build` also writes it to dist/hookrelay.service; CI lints it with
 * `systemd-analyze verify`.
 */

export interface ServiceUnitOptions {
  /** Absolute path of the hookrelay binary. */
  binary: string;
  /** Absolute path of hookrelay.toml. */
  configPath: string;
  /** Secrets as HOOKRELAY_* variables, read by systemd (as root) before it drops privileges. */
  environmentFile: string;
  /** More than the relay's shutdown grace, so systemd never kills a drain half-way. */
  stopTimeoutSeconds: number;
}

export function renderServiceUnit(options: ServiceUnitOptions): string {
  return `# hookrelay.service, written by \`hookrelay install-service\`.
# Install: copy to /etc/systemd/system/, then \`systemctl daemon-reload\` and
# \`systemctl enable --now hookrelay\`. Reload the config with \`systemctl reload hookrelay\`.
[Unit]
Description=hookrelay webhook relay
After=network-online.target
Wants=network-online.target

[Service]
# The relay says READY=1 after migrations ran and the port listens (sd_notify over
# $NOTIFY_SOCKET), and pings the watchdog from its event loop.
Type=notify
NotifyAccess=main
WatchdogSec=60s
ExecStart=${options.binary} serve --config ${options.configPath}
ExecReload=/bin/kill -HUP $MAINPID
EnvironmentFile=-${options.environmentFile}
# JavaScriptCore sizes its heap by the machine's RAM; on a large host the relay then grows to
# about 200 MB under load before collecting. Sized as for 512 MiB it peaks near 150 MB at
# the same throughput (docs/performance.md). Raise it for very large inbound bodies.
Environment=BUN_JSC_forceRAMSize=536870912
Restart=on-failure
RestartSec=2s
TimeoutStartSec=120s
TimeoutStopSec=${options.stopTimeoutSeconds}s
KillMode=mixed

# A throwaway user per start; the state directory is handed to it. HOOKRELAY_DATA_DIR
# defaults to $STATE_DIRECTORY, i.e. /var/lib/hookrelay.
DynamicUser=yes
StateDirectory=hookrelay
StateDirectoryMode=0700
WorkingDirectory=%S/hookrelay
UMask=0077
LimitNOFILE=65536

NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
# For a port below 1024 instead, use these two lines:
#CapabilityBoundingSet=CAP_NET_BIND_SERVICE
#AmbientCapabilities=CAP_NET_BIND_SERVICE
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
# MemoryDenyWriteExecute= stays off: Bun's JavaScript JIT writes machine code, then runs it.

[Install]
WantedBy=multi-user.target
`;
}
