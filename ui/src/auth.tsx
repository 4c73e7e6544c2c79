import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './api';
import type { User } from './types';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'signed-in'; user: User }
  /** The server could not be asked at all (down, proxy error); not the same as "signed out". */
  | { status: 'unreachable'; message: string };

interface AuthContextValue {
  state: AuthState;
  login(email: string, password: string): Promise<User>;
  logout(): Promise<void>;
  /** Re-read the signed-in user, e.g. after their own team roles changed. */
  refresh(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const s = await api.auth.me();
      setCsrfToken(s.csrf_token);
      setState({ status: 'signed-in', user: s.user });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ status: 'signed-out', expired: false });
      else setState({ status: 'unreachable', message: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  useEffect(() => {
    // Any 401 after sign-in means the session ended (expired, revoked, password changed elsewhere).
    onUnauthorized(() => {
      setCsrfToken('');
      setState((prev) => (prev.status === 'signed-in' ? { status: 'signed-out', expired: true } : prev));
    });
    void refresh();
    return () => onUnauthorized(null);
  }, [refresh]);

  const login = useCallback(async (email: string, password: string) => {
    const s = await api.auth.login(email, password);
    setCsrfToken(s.csrf_token);
    setState({ status: 'signed-in', user: s.user });
    return s.user;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.auth.logout();
    } finally {
      setCsrfToken('');
      setState({ status: 'signed-out', expired: false });
    }
  }, []);

  const value = useMemo(() => ({ state, login, logout, refresh }), [state, login, logout, refresh]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside <AuthProvider>');
  return ctx;
}

/** The signed-in user; only for components rendered behind <RequireAuth>. */
export function useCurrentUser(): User {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useCurrentUser without a signed-in user');
  return state.user;
}
