/**
 * A unix datagram socket bound the way systemd binds $NOTIFY_SOCKET, collecting what arrives.
 * Bun has no unix datagram sockets, so it is libc's socket()/bind()/recv() through bun:ffi.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;

/** A bound unix datagram socket collecting what arrives, as systemd's notify socket does. */
export function bindNotifySocket(path: string) {
  const libc = dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const address = new Uint8Array(110);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  const name = new TextEncoder().encode(path);
  address.set(name, 2);
  if (libc.symbols.bind(fd, ptr(address), 2 + name.length) !== 0) throw new Error("bind failed");
  const buffer = new Uint8Array(4096);
  const messages: string[] = [];
  const drain = () => {
    for (;;) {
      const size = Number(libc.symbols.recv(fd, ptr(buffer), buffer.length, 0));
      if (size <= 0) return messages;
      messages.push(new TextDecoder().decode(buffer.subarray(0, size)));
    }
  };
  return { messages, drain, [Symbol.dispose]: () => libc.symbols.close(fd) };
}
