import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../api';
import { useAuth } from '../auth';
import { Banner, Button } from '../components/ui';
import { useTitle } from '../lib/useTitle';

/** Only same-site paths, so a crafted link cannot bounce a fresh session to another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !next.startsWith('/login') ? next : '/';
}

export function LoginPage() {
  useTitle('Sign in');
  const { state, login } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = safeNext(params.get('next'));

  if (state.status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'rate_limited'
          ? 'Too many failed attempts. Wait a few minutes and try again.'
          : errorMessage(err),
      );
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <div className="login-panel">
        <div className="login-brand">
          <svg viewBox="0 0 32 32" width="36" height="36" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="var(--accent)" />
            <path d="M9 22h14M11 22V13l5-4 5 4v9" fill="none" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span>Ballast</span>
        </div>
        <form className="login-card" onSubmit={(e) => void submit(e)} noValidate>
          <h1>Sign in</h1>
          <p className="muted">Use your Ballast account.</p>
          {params.get('expired') && !error && <Banner tone="info">Your session ended. Sign in again to continue.</Banner>}
          {error && <Banner>{error}</Banner>}
          <div className="field">
            <label htmlFor="login-email">Email</label>
            <input
              id="login-email"
              className="input"
              type="email"
              autoComplete="username"
              autoFocus
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              className="input"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <Button type="submit" variant="primary" busy={busy} disabled={!email || !password} className="btn-block">
            Sign in
          </Button>
        </form>
        <p className="login-foot">Self-hosted operations platform · alerts, on-call, incidents</p>
      </div>
    </div>
  );
}
