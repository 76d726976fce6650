/**
 * Every plugin the relay knows, built-in and user, by kind and name, and the one way to call
 * them: built-ins run in-process (they are ours and bounded), user plugins in the sandbox.
 * Either way a failure or an overrun comes back as an ERR_PLUGIN error, never a crash.
 */
import { Value } from "@sinclair/typebox/value";
import type { FieldError } from "../errors/hookrelay-error.ts";
import type { LoadedPlugin } from "./load-plugins.ts";
import type { PluginMethod } from "./sandbox-protocol.ts";
import { type PluginSandbox, pluginError } from "./sandbox.ts";
import type {
  HandshakeAnswer,
  Plugin,
  PluginKind,
  ProviderFacts,
  SignInput,
  SignerPlugin,
  TransformInput,
  TransformResult,
  VerifyInput,
  VerifyResult,
  PublicJwk,
} from "./sdk.ts";

type PluginOf<K extends PluginKind> = Extract<Plugin, { kind: K }>;
type Options = Record<string, unknown>;

export class PluginRegistry {
  readonly #byName = new Map<string, LoadedPlugin>();
  readonly #sandbox: PluginSandbox | undefined;
  readonly #timeoutMs: number;

  constructor(plugins: LoadedPlugin[], sandbox: PluginSandbox | undefined, timeoutMs: number) {
    for (const loaded of plugins)
      this.#byName.set(key(loaded.plugin.kind, loaded.plugin.name), loaded);
    this.#sandbox = sandbox;
    this.#timeoutMs = timeoutMs;
  }

  list(): LoadedPlugin[] {
    return [...this.#byName.values()];
  }

  find<K extends PluginKind>(kind: K, name: string): PluginOf<K> | undefined {
    return this.#byName.get(key(kind, name))?.plugin as PluginOf<K> | undefined;
  }

  /** Why `options` do not fit the plugin's schema, as fields under `pointer`. */
  checkOptions(kind: PluginKind, name: string, options: unknown, pointer: string): FieldError[] {
    const plugin = this.find(kind, name);
    if (!plugin) {
      const known = this.list()
        .filter((p) => p.plugin.kind === kind)
        .map((p) => p.plugin.name);
      const field = pointer.replace(/\/options$/, kind === "transform" ? "/plugin" : "/scheme");
      return [{ field, message: `no ${kind} plugin named "${name}" (known: ${known.join(", ")})` }];
    }
    const withDefaults = this.#withDefaults(plugin, (options ?? {}) as Options);
    const unknown = unknownOptionKeys(plugin, withDefaults);
    if (unknown.length > 0) {
      return unknown.map((key) => ({
        field: `${pointer}/${key}`,
        message: "is not a known option",
      }));
    }
    if (plugin.options) {
      const errors = [...Value.Errors(plugin.options, withDefaults)].map((error) => ({
        field: `${pointer}${error.path}`,
        message: error.message.charAt(0).toLowerCase() + error.message.slice(1),
      }));
      if (errors.length > 0) return errors;
    }
    const problem = checkOptionsSafely(plugin, withDefaults);
    return problem ? [{ field: pointer, message: problem }] : [];
  }

  /** Options with the schema's defaults filled in, as the plugin receives them. */
  #withDefaults(plugin: Plugin, options: Options): Options {
    if (!plugin.options) return options;
    return Value.Default(plugin.options, Value.Clone(options)) as Options;
  }

  async sign(name: string, input: SignInput<Options>): Promise<Record<string, string>> {
    const plugin = this.#require("signer", name);
    const options = this.#withDefaults(plugin, input.options);
    return (await this.#call("signer", name, "sign", [{ ...input, options }])) as Record<
      string,
      string
    >;
  }

  async transform(name: string, input: TransformInput<Options>): Promise<TransformResult> {
    const plugin = this.#require("transform", name);
    const options = this.#withDefaults(plugin, input.options);
    return (await this.#call("transform", name, "transform", [
      { ...input, options },
    ])) as TransformResult;
  }

  async verify(name: string, input: VerifyInput<Options>): Promise<VerifyResult> {
    const plugin = this.#require("verifier", name);
    const options = this.#withDefaults(plugin, input.options);
    return (await this.#call("verifier", name, "verify", [{ ...input, options }])) as VerifyResult;
  }

  async describe(
    name: string,
    input: Omit<VerifyInput<Options>, "secrets">,
  ): Promise<ProviderFacts> {
    const plugin = this.#require("verifier", name);
    if (!plugin.describe) return {};
    const options = this.#withDefaults(plugin, input.options);
    return (await this.#call("verifier", name, "describe", [
      { ...input, options },
    ])) as ProviderFacts;
  }

  /** The answer to a provider's set-up request, or undefined for an ordinary event. */
  async handshake(name: string, input: VerifyInput<Options>): Promise<HandshakeAnswer | undefined> {
    const plugin = this.#require("verifier", name);
    if (!plugin.handshake) return undefined;
    const options = this.#withDefaults(plugin, input.options);
    const answer = await this.#call("verifier", name, "handshake", [{ ...input, options }]);
    if (answer === undefined || answer === null) return undefined;
    const problem = describeHandshakeProblem(answer);
    if (problem) throw pluginError(`${name}.handshake returned ${problem}`);
    return answer as HandshakeAnswer;
  }

  async publicKey(name: string, secret: string): Promise<{ text?: string; jwk?: PublicJwk }> {
    const plugin = this.find("signer", name);
    if (!plugin?.publicKey) return {};
    return (await this.#call("signer", name, "publicKey", [secret])) as {
      text?: string;
      jwk?: PublicJwk;
    };
  }

  signer(name: string): SignerPlugin | undefined {
    return this.find("signer", name);
  }

  #require<K extends PluginKind>(kind: K, name: string): PluginOf<K> {
    const plugin = this.find(kind, name);
    if (!plugin) throw pluginError(`no ${kind} plugin named "${name}" is loaded`);
    return plugin;
  }

  async #call(
    kind: PluginKind,
    name: string,
    method: PluginMethod,
    args: unknown[],
  ): Promise<unknown> {
    const loaded = this.#byName.get(key(kind, name));
    if (!loaded) throw pluginError(`no plugin named "${name}" is loaded`);
    if (loaded.file !== undefined && this.#sandbox) {
      return this.#sandbox.call(loaded.file, method, args);
    }
    return this.#callInProcess(loaded.plugin, method, args);
  }

  async #callInProcess(plugin: Plugin, method: PluginMethod, args: unknown[]): Promise<unknown> {
    const fn = (plugin as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
    if (typeof fn !== "function") throw pluginError(`${plugin.name} has no ${method}()`);
    let timer: Timer | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(pluginError(`${plugin.name} ran longer than ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve(fn.apply(plugin, args)), overrun]);
    } catch (error) {
      if (error instanceof Error && error.name === "HookrelayError") throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw pluginError(`${plugin.name}.${method} failed: ${message}`, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A plugin's own option check; one that throws counts as refusing the options. */
function checkOptionsSafely(plugin: Plugin, options: Options): string | undefined {
  if (!plugin.checkOptions) return undefined;
  try {
    // The options passed the plugin's schema above, so they have the type it declared.
    return (plugin.checkOptions as (o: Options) => string | undefined)(options);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const maxHandshakeChars = 65_536;

/** Why a handshake() result cannot be sent, or undefined when it can. */
function describeHandshakeProblem(answer: unknown): string | undefined {
  if (typeof answer !== "object" || answer === null) return "something other than an object";
  const { status = 200, body, contentType = "" } = answer as Record<string, unknown>;
  if (typeof body !== "string") return "no string body";
  if (body.length > maxHandshakeChars) return `a body over ${maxHandshakeChars} characters`;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 299) {
    return "a status that is not a 2xx";
  }
  // Fetch's Response refuses a body with these two statuses.
  if ((status === 204 || status === 205) && body !== "") return `a body with status ${status}`;
  if (typeof contentType !== "string" || !/^[\x20-\x7e]*$/.test(contentType)) {
    return "a content type that is not printable ASCII";
  }
  return undefined;
}

/** Signers and verifiers of one scheme share its name, so plugins are keyed by kind too. */
function key(kind: PluginKind, name: string): string {
  return `${kind}:${name}`;
}

/**
 * Option keys the plugin's schema does not name. A typo such as `algoritm` must not pass as
 * "use the default"; a schema that wants free-form keys says `additionalProperties: true`.
 */
function unknownOptionKeys(plugin: Plugin, options: Options): string[] {
  const schema = plugin.options as
    | { properties?: Record<string, unknown>; additionalProperties?: unknown }
    | undefined;
  if (schema?.additionalProperties === true) return [];
  const known = new Set(Object.keys(schema?.properties ?? {}));
  return Object.keys(options).filter((key) => !known.has(key));
}
