#!/usr/bin/env node
// The `memo-bot` command. `npm install` builds dist/ (the prepare script).
import "../dist/src/main.js";
