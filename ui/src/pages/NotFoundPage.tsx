import { ButtonLink } from '../components/ui';
import { useTitle } from '../lib/useTitle';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <div className="empty empty-page">
      <div className="empty-title">Page not found</div>
      <div className="empty-text">The address may be mistyped, or the page was moved.</div>
      <div className="empty-action">
        <ButtonLink to="/services">Back to services</ButtonLink>
      </div>
    </div>
  );
}
