import { Icon } from '../components/Icon';
import { ButtonLink } from '../components/ui';
import { useTitle } from '../lib/useTitle';
import type { NavItem } from '../nav';

/** Placeholder for areas listed in the navigation but not built yet (nav.ts `ready: false`). */
export function ComingSoonPage({ item }: { item: NavItem }) {
  useTitle(item.label);
  return (
    <div className="empty empty-page" data-testid="coming-soon">
      <div className="empty-icon">
        <Icon name={item.icon} size={22} />
      </div>
      <div className="empty-title">{item.label} is coming soon</div>
      <div className="empty-text">{item.description}</div>
      <div className="empty-action">
        <ButtonLink to="/services" icon="layers">
          Go to the service catalog
        </ButtonLink>
      </div>
    </div>
  );
}
