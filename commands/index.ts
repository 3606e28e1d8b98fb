import type { Command } from "../src/core/commands.js";
import { ask } from "./ask.js";
import { help } from "./help.js";
import { path } from "./path.js";
import { report } from "./report.js";
import { reset } from "./reset.js";
import { topics } from "./topics.js";

/** Every command, defined once; each adapter turns this list into its platform's commands. */
export const commands: readonly Command[] = [ask, topics, path, reset, help, report];
