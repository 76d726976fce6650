/**
 * sd_notify(3) for `Type=notify`: READY=1 once migrations ran and the port listens, STOPPING=1
 * at shutdown, RELOADING=1 / READY=1 around a SIGHUP reload, and WATCHDOG=1 every half
 * WatchdogSec when systemd asks for it. The protocol is one datagram on the unix socket named
 * by $NOTIFY_SOCKET. Neither Node's dgram nor Bun's sockets speak unix datagrams, so this calls
 * libc's socket()/sendto() through bun:ffi, which ships inside Bun (no native addon to build
 * or embed). Without $NOTIFY_SOCKET (not under systemd) nothing is loaded and nothing is sent.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";

export interface SystemdNotifier {
  ready(status: string): void;
  reloading(): void;
  stopping(): void;
  close(): void;
}

const noop: SystemdNotifier = {
  ready() {},
  reloading() {},
  stopping() {},
  close() {},
};

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;

export async function createSystemdNotifier(
  env: Record<string, string | undefined>,
  log: Logger,
): Promise<SystemdNotifier> {
  const socketPath = env.NOTIFY_SOCKET;
  if (!socketPath) return noop;
  let send: (message: string) => void;
  try {
    send = await openNotifySocket(socketPath);
  } catch (error) {
    log.warn({ err: error }, "cannot notify systemd; a Type=notify unit will time out starting");
    return noop;
  }
  const safeSend = (message: string) => {
    try {
      send(message);
    } catch (error) {
      log.warn({ err: error }, "notifying systemd failed");
    }
  };
  let watchdog: Timer | undefined;
  const usec = Number(env.WATCHDOG_USEC ?? 0);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  return {
    ready(status) {
      safeSend(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
      if (usec > 0 && forUs && !watchdog) {
        // Half the interval, as sd_watchdog_enabled(3) advises. The ping comes from the event
        // loop, so a loop blocked for longer than WatchdogSec gets the service restarted.
        watchdog = setInterval(() => safeSend("WATCHDOG=1"), Math.max(1, usec / 2000));
        watchdog.unref();
      }
    },
    reloading: () => safeSend("RELOADING=1"),
    stopping: () => safeSend("STOPPING=1"),
    close: () => clearInterval(watchdog),
  };
}

async function openNotifySocket(path: string): Promise<(message: string) => void> {
  const { dlopen, FFIType, ptr } = await import("bun:ffi");
  const libc = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: {
      args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i64,
    },
  });
  const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw notifyError("socket(AF_UNIX, SOCK_DGRAM) failed");
  // struct sockaddr_un: sa_family (2 bytes, host order: little-endian on x64 and arm64),
  // then the path; a leading "@" names an abstract socket, written as a NUL byte (unix(7)).
  const name = new TextEncoder().encode(path.startsWith("@") ? `\0${path.slice(1)}` : path);
  if (name.length > 107) throw notifyError("NOTIFY_SOCKET path is too long");
  const address = new Uint8Array(110);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(name, 2);
  const length = 2 + name.length;
  return (message) => {
    const bytes = new TextEncoder().encode(message);
    const sent = libc.symbols.sendto(fd, ptr(bytes), bytes.length, 0, ptr(address), length);
    if (Number(sent) < 0) throw notifyError("sendto($NOTIFY_SOCKET) failed");
  };
}

function notifyError(message: string): HookrelayError {
  return new HookrelayError("ERR_INTERNAL", message);
}
