/**
 * Secrets never printed: a server URL may carry a password or a token (`nats://user:pass@host`,
 * `nats://token@host`). Every URL that reaches an error, a log line or the screen goes through
 * `redactUrls` first; the user name stays (it says which account), the secret becomes `***`.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(?::([^\s/@]*))?@/gi;

export function redactUrls(text: string): string {
  return text.replace(USERINFO, (_match, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
  );
}
