import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuth } from '../auth';
import { Icon } from './Icon';
import { Button, Spinner } from './ui';

/** Gate for the signed-in app: waits for the session check, sends strangers to /login?next=…. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state, refresh } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') {
    return (
      <div className="splash">
        <Spinner label="Loading Ballast" />
      </div>
    );
  }
  if (state.status === 'unreachable') {
    return (
      <div className="splash">
        <div className="splash-card">
          <Icon name="alertCircle" size={22} />
          <h1>Ballast is not reachable</h1>
          <p>{state.message}</p>
          <Button variant="primary" onClick={() => void refresh()}>
            Try again
          </Button>
        </div>
      </div>
    );
  }
  if (state.status === 'signed-out') {
    const next = location.pathname + location.search;
    const params = new URLSearchParams();
    if (next !== '/') params.set('next', next);
    if (state.expired) params.set('expired', '1');
    const qs = params.toString();
    return <Navigate to={`/login${qs ? `?${qs}` : ''}`} replace />;
  }
  return <>{children}</>;
}

/** For admin-only pages: explains instead of showing an empty or failing page. */
export function RequireAdmin({ isAdmin, children }: { isAdmin: boolean; children: ReactNode }) {
  if (isAdmin) return <>{children}</>;
  return (
    <div className="empty empty-page">
      <div className="empty-icon">
        <Icon name="lock" size={22} />
      </div>
      <div className="empty-title">Administrators only</div>
      <div className="empty-text">Ask a Ballast administrator if you need access to this page.</div>
    </div>
  );
}
