/**
 * What a SIGHUP changes: the settings whose value differs between the running configuration
 * and the one just read, split into those that apply at once (marked `reload` in settings.ts)
 * and those that need a restart (the listener, the database, auth, plugins), which the relay
 * logs and leaves as they were.
 */
import type { Config } from "./config.ts";
import { type SettingName, settingNames, specOf } from "./settings.ts";

export interface ReloadPlan {
  /** File keys (`delivery.concurrency`) that change now; `endpoints`/`sources` if declared. */
  applied: string[];
  /** File keys that changed but keep their old value until a restart. */
  needRestart: string[];
}

/** The setting a config field is read from: `attemptTimeoutMs` → `attemptTimeout`. */
function settingOf(field: string): SettingName | undefined {
  let best: SettingName | undefined;
  for (const name of settingNames) {
    if (field.startsWith(name) && name.length > (best?.length ?? 0)) best = name;
  }
  return best;
}

export function planReload(current: Readonly<Config>, next: Readonly<Config>): ReloadPlan {
  const plan: ReloadPlan = { applied: [], needRestart: [] };
  for (const field of Object.keys(next) as (keyof Config)[]) {
    if (field === "configFile") continue;
    if (JSON.stringify(current[field]) === JSON.stringify(next[field])) continue;
    if (field === "endpoints" || field === "sources") {
      plan.applied.push(field);
      continue;
    }
    const setting = settingOf(field);
    const key = setting ? specOf(setting).file : field;
    if (setting && "reload" in specOf(setting)) plan.applied.push(key);
    else plan.needRestart.push(key);
  }
  return plan;
}

/** The running configuration after a reload: restart-only settings keep their old value. */
export function mergeReload(current: Readonly<Config>, next: Readonly<Config>): Readonly<Config> {
  const merged: Record<string, unknown> = { ...current };
  for (const field of Object.keys(next) as (keyof Config)[]) {
    const setting = settingOf(field);
    const declared = field === "endpoints" || field === "sources";
    const reloadable = declared || (setting && "reload" in specOf(setting));
    if (reloadable) merged[field] = next[field];
  }
  return Object.freeze(merged as unknown as Config);
}
