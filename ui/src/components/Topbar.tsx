import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useAuth, useCurrentUser } from '../auth';
import { navItemFor } from '../nav';
import { Icon } from './Icon';
import { Avatar, Badge, Button } from './ui';

export function Topbar() {
  const user = useCurrentUser();
  const { logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const area = navItemFor(location.pathname);

  const signOut = async () => {
    setBusy(true);
    try {
      await logout();
    } finally {
      navigate('/login', { replace: true });
    }
  };

  return (
    <header className="topbar">
      <div className="topbar-context">
        {area && (
          <>
            <Icon name={area.icon} size={15} />
            <span>{area.label}</span>
          </>
        )}
      </div>
      <div className="topbar-user">
        <Link to="/profile" className="topbar-profile" title="My profile, contact methods and notification rules">
        <Avatar name={user.name || user.email} size={28} />
        <div className="topbar-user-text">
          <span className="topbar-user-name" data-testid="current-user">
            {user.name}
            {user.is_admin && <Badge tone="violet">admin</Badge>}
          </span>
          <span className="topbar-user-email">{user.email}</span>
        </div>
        </Link>
        <Button variant="ghost" size="sm" icon="logOut" busy={busy} onClick={() => void signOut()}>
          Sign out
        </Button>
      </div>
    </header>
  );
}
