/** Minimal API client for CLI commands that talk to a running server (BALLAST_URL + BALLAST_TOKEN). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl.replace(/\/?$/, '/')), {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...extraHeaders,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      // fetch reports "fetch failed" and hides the reason (refused, DNS, TLS) in `cause`.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach Ballast at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // Not Ballast answering (a proxy's error page, a wrong BALLAST_URL).
      throw new CliError(`${res.status} from ${this.baseUrl} is not a Ballast API response: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code: string; message: string; details: unknown } })?.error;
      throw new CliError(`${res.status} ${e?.code ?? 'error'}: ${e?.message ?? text}`, e?.details);
    }
    return json as T;
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
