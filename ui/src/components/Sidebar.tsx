import { NavLink, useLocation } from 'react-router-dom';
import { useCurrentUser } from '../auth';
import { NAV, navItemFor } from '../nav';
import { Icon } from './Icon';

/** The dark left navigation, rendered from the NAV array; unbuilt areas show as muted "Soon" rows. */
export function Sidebar() {
  const user = useCurrentUser();
  const current = navItemFor(useLocation().pathname);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="26" height="26">
            <rect width="32" height="32" rx="7" fill="var(--accent)" />
            <path d="M9 22h14M11 22V13l5-4 5 4v9" fill="none" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        </span>
        <span className="brand-name">Ballast</span>
      </div>
      <div className="nav-scroll">
        {NAV.map((section) => {
          const items = section.items.filter((i) => !i.adminOnly || user.is_admin);
          if (items.length === 0) return null;
          return (
            <div className="nav-section" key={section.title}>
              <div className="nav-section-title">{section.title}</div>
              <ul>
                {items.map((item) =>
                  item.ready ? (
                    <li key={item.path}>
                      <NavLink to={item.path} title={item.label} className={({ isActive }) => `nav-item${isActive ? ' active' : ''}`}>
                        <Icon name={item.icon} size={16} />
                        <span className="nav-label">{item.label}</span>
                      </NavLink>
                    </li>
                  ) : (
                    <li key={item.path}>
                      {/* Not a link: the area does not exist yet. Still reachable by URL (placeholder page). */}
                      <span className={`nav-item disabled${current === item ? ' current' : ''}`} aria-disabled="true" title={`${item.label} — coming soon`}>
                        <Icon name={item.icon} size={16} />
                        <span className="nav-label">{item.label}</span>
                        <span className="nav-soon">Soon</span>
                      </span>
                    </li>
                  ),
                )}
              </ul>
            </div>
          );
        })}
      </div>
    </nav>
  );
}
