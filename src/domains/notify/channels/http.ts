import { safeFetch, type SafeResponse } from '../../../core/net/ssrf.js';
import { errorMessage, truncate, type ChannelDeps, type ChannelResult } from './types.js';

/** POSTs through the SSRF guard and maps the outcome: 2xx is delivered, anything else is a failure to retry. */
export async function postVia(
  deps: ChannelDeps,
  url: string,
  body: string,
  headers: Record<string, string>,
  okCheck: (res: SafeResponse) => boolean = (res) => res.status >= 200 && res.status < 300,
): Promise<ChannelResult> {
  try {
    const res = await safeFetch(deps, url, { method: 'POST', body, headers, timeoutMs: 10_000, maxBytes: 64 * 1024 });
    const ok = okCheck(res);
    return {
      ok,
      providerStatus: String(res.status),
      providerResponse: truncate(res.text()),
      error: ok ? null : `HTTP ${res.status}`,
    };
  } catch (err) {
    return { ok: false, providerStatus: (err as { code?: string }).code ?? null, providerResponse: null, error: truncate(errorMessage(err)) };
  }
}
