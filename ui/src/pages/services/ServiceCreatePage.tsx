import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { useToast } from '../../components/Toast';
import { LoadError, Loading, PageHeader } from '../../components/ui';
import { managedTeamSlugs } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { initialValues, ServiceForm, toInput } from './ServiceForm';

export function ServiceCreatePage() {
  useTitle('New service');
  const user = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const [params] = useSearchParams();
  const teams = useQuery(() => api.teams.all(), []);

  const managed = managedTeamSlugs(user);
  const options = teams.data?.filter((t) => managed === null || managed.includes(t.slug)) ?? [];
  // ?team=slug preselects the owner (the team page links here); a single choice is preselected too.
  const wanted = params.get('team') ?? '';
  const defaultTeam = options.some((t) => t.slug === wanted) ? wanted : options.length === 1 ? options[0]!.slug : '';

  return (
    <>
      <PageHeader title="New service" subtitle="Register a service in the catalog." back={{ to: '/services', label: 'Services' }} />
      {teams.error ? (
        <LoadError error={teams.error} onRetry={teams.reload} what="teams" />
      ) : !teams.data ? (
        <Loading />
      ) : (
        <ServiceForm
          mode="create"
          initial={initialValues(undefined, defaultTeam)}
          teams={options}
          cancelTo="/services"
          onSubmit={async (v) => {
            const created = await api.services.create(toInput(v, 'create'));
            toast.success(`Service ${created.slug} created`);
            navigate(`/services/${created.slug}`);
          }}
        />
      )}
    </>
  );
}
