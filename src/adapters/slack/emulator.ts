import type { Logger } from "../../core/log.js";

/** What a Slack emulator's registration names: the app and its slash commands. */
export interface EmulatorApp {
  name: string;
  /** The emulator knows a bot by its token (`xoxb-{id}`). */
  id: string;
  commands: { command: string; description: string }[];
}

/**
 * Registers the bot with a Slack emulator that routes events by registration (Botarium: `POST
 * {SLACK_API_URL}config/register` once the bot's socket is open, and again after each reconnect); without it
 * such an emulator delivers no mention and no DM. Slack itself has no such route: a 404 (or any other
 * refusal) ends it quietly, once. Only with SLACK_API_URL set; `fetch` is a parameter for the tests.
 */
export function createEmulatorRegistration(
  apiUrl: string,
  app: EmulatorApp,
  logger: Logger,
  options: { onRegistered?: () => void; fetch?: typeof fetch } = {},
): { register(): Promise<void>; stop(): void } {
  const log = logger.child({ component: "slack" });
  const send = options.fetch ?? fetch;
  let unsupported = false;
  let stopped = false;
  const body = JSON.stringify({
    app: { name: app.name, id: app.id },
    commands: app.commands,
    shortcuts: [],
    actions: {},
    modals: {},
  });
  return {
    async register() {
      // The socket the emulator pairs with is the newest one without a bot: it may take a moment to see it.
      for (let attempt = 0; attempt < 25 && !unsupported && !stopped; attempt++) {
        let status = 0;
        let answer: { ok?: unknown; error?: unknown } = {};
        try {
          const res = await send(new URL("config/register", apiUrl), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(5_000),
          });
          status = res.status;
          answer = (await res.json().catch(() => ({}))) as typeof answer;
        } catch (err) {
          log.debug({ err }, "emulator registration not answered");
          return;
        }
        const error = String(answer.error ?? "");
        // Slack answers an unknown method 200 {ok: false, error: "unknown_method"}.
        if (status >= 200 && status < 300 && answer.ok === true) {
          log.info({ name: app.name }, "registered with the Slack emulator");
          options.onRegistered?.();
          return;
        }
        if (error !== "no_websocket_connection") {
          unsupported = true;
          log.debug({ status }, "no emulator registration here");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    stop() {
      stopped = true;
    },
  };
}
