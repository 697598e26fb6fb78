/**
 * The issuer's discovery document or keys could not be fetched (down, slow, answering
 * nonsense), so a token could not be checked: not the caller's fault. The API answers 503 with
 * `Retry-After`; API keys keep working.
 */
export class IssuerUnavailableError extends Error {
  override name = 'IssuerUnavailableError';
  readonly retryAfterS: number;
  constructor(issuer: string, retryAfterS: number, options?: { cause?: unknown }) {
    super(`OpenID Connect issuer ${issuer} is unavailable`, options);
    this.retryAfterS = retryAfterS;
  }
}
