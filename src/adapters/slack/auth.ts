import type { AuthorizeResult } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../core/log.js";

/** Slack's answers to auth.test that no retry changes: the token is wrong, revoked or of the wrong kind. */
const REFUSED = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_allowed_token_type",
  "no_permission",
  "missing_scope",
]);
/** auth.test missing on a Slack-compatible server: the bot's own ids stay unknown, and it answers anyway. */
const ABSENT = new Set(["unknown_method", "method_not_supported_for_channel_type"]);

const platformError = (err: unknown): string | undefined => {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === "string" ? data.error : undefined;
};

export type SlackAuthState = "starting" | "ready" | "failed";

export interface SlackAuth {
  /** Bolt's `authorize`: the bot token and the bot's ids, from one auth.test (tried again while it fails). */
  authorize(): Promise<AuthorizeResult>;
  /**
   * Tries auth.test until it answers: resolves after the first try, and keeps trying in the background
   * while Slack is not reachable. A refused token is logged once, and stays refused.
   */
  verify(): Promise<void>;
  state(): SlackAuthState;
  /** Asks auth.test again (an emulator names the bot once it is registered). */
  refresh(): void;
  stop(): void;
}

/**
 * Who the bot is on Slack (auth.test), learned once and kept. Bolt given only a token calls auth.test once,
 * when the app is built, and keeps the result even if that call failed: a Slack API (or a Slack-compatible
 * server) not reachable at that moment made every later event fail authorisation, unanswered and unlogged
 * past a debug line. Here a failure is not kept: the next event, or the background check, tries again.
 */
export function createSlackAuth(client: WebClient, token: string, logger: Logger): SlackAuth {
  const log = logger.child({ component: "slack" });
  let identity: Promise<{ botId?: string; botUserId?: string; botName?: string }> | undefined;
  let state: SlackAuthState = "starting";
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let warned = false;

  const learn = () => {
    identity ??= client.auth.test().then(
      (r) => {
        state = "ready";
        return { botId: r.bot_id, botUserId: r.user_id, botName: r.user };
      },
      (err: unknown) => {
        const code = platformError(err);
        if (code && ABSENT.has(code)) {
          state = "ready";
          log.warn({ code }, "this Slack API has no auth.test: the bot's own user id is unknown");
          return {};
        }
        identity = undefined;
        if (code && REFUSED.has(code)) {
          if (state !== "failed")
            log.error(
              { code },
              `Slack rejected SLACK_BOT_TOKEN (${code}): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, set SLACK_BOT_TOKEN and restart`,
            );
          state = "failed";
        } else if (!warned) {
          warned = true;
          log.warn({ err }, "Slack API not reachable for auth.test yet; trying again");
        }
        throw err;
      },
    );
    return identity;
  };

  return {
    async authorize() {
      return { botToken: token, ...(await learn()) };
    },
    verify() {
      let delay = 1_000;
      const attempt = (): Promise<void> => {
        if (stopped || state !== "starting") return Promise.resolve();
        return learn().then(
          () => {
            if (warned) log.info("Slack API reachable again: auth.test answered");
          },
          () => {
            if (state !== "starting" || stopped) return;
            timer = setTimeout(attempt, delay);
            timer.unref?.();
            delay = Math.min(delay * 2, 30_000);
          },
        );
      };
      return attempt();
    },
    state: () => state,
    refresh() {
      const before = identity;
      identity = undefined;
      learn().catch(() => {
        identity ??= before;
      });
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
