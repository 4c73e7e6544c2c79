/** Minimal API client for CLI commands that talk to a running server (BALLAST_URL + BALLAST_TOKEN). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl.replace(/\/?$/, '/')), {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
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
