/**
 * The platform API hosts as their SDKs take them. A Slack- or Discord-compatible server is often given as
 * its bare address (`http://localhost:3001`), while the SDKs append method paths to the API's base: Slack's
 * Web API client to `…/api/`, discord.js to `…/api` plus `/v{version}`.
 */

/** SLACK_API_URL ending in "/"; a bare host means its `/api/` (Slack's path, and every emulator's). */
export function slackApiUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const url = new URL(raw);
  if (url.pathname === "/") url.pathname = "/api/";
  else if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url.toString();
}

/**
 * DISCORD_API_URL without a trailing slash or version; a bare host means its `/api`. A trailing `/v9` or
 * `/v10` is taken off (discord.js adds the version itself) and is the API version unless
 * DISCORD_API_VERSION says otherwise.
 */
export function discordApi(
  raw: string | undefined,
  version: number,
  versionSet: boolean,
): { apiUrl: string | undefined; apiVersion: number } {
  if (!raw) return { apiUrl: undefined, apiVersion: version };
  const url = new URL(raw);
  let path = url.pathname.replace(/\/+$/, "");
  let apiVersion = version;
  const suffix = /\/v(\d+)$/i.exec(path);
  if (suffix) {
    path = path.slice(0, suffix.index);
    const named = Number(suffix[1]);
    if (!versionSet && (named === 9 || named === 10)) apiVersion = named;
  }
  url.pathname = path === "" ? "/api" : path;
  return { apiUrl: url.toString().replace(/\/$/, ""), apiVersion };
}
