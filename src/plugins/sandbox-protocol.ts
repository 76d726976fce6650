/** Messages between the relay and a plugin sandbox worker. */
export type PluginMethod = "sign" | "verify" | "describe" | "handshake" | "transform" | "publicKey";

export interface CallMessage {
  id: number;
  file: string;
  method: PluginMethod;
  args: unknown[];
}

export type ReplyMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };
