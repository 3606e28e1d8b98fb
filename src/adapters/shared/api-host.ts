const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]);

/**
 * Where to open a socket a server handed out. A Slack- or Discord-compatible server not told its public
 * address hands out a loopback one (Spacebar's gateway `ws://localhost:3001`, an emulator's Socket Mode
 * URL), unreachable from another host or container; when the API itself is not on a loopback host, the
 * socket is taken to be on the API's host, same scheme, port and path.
 */
export function onApiHost(socketUrl: string, apiUrl: string | undefined): string {
  if (!apiUrl) return socketUrl;
  try {
    const url = new URL(socketUrl);
    const api = new URL(apiUrl);
    if (!LOOPBACK.has(url.hostname) || LOOPBACK.has(api.hostname)) return socketUrl;
    url.hostname = api.hostname;
    return url.toString();
  } catch {
    return socketUrl;
  }
}
