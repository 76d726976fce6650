/** Preloaded by bunfig.toml: a hook outside any file runs once, after every test file. */
import { afterAll } from "bun:test";
import { removeLeftovers } from "./leftovers.ts";

afterAll(removeLeftovers);
