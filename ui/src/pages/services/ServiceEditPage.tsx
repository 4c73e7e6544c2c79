import { useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { useToast } from '../../components/Toast';
import { LoadError, Loading, PageHeader } from '../../components/ui';
import { managedTeamSlugs } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { initialValues, ServiceForm, toInput } from './ServiceForm';

export function ServiceEditPage() {
  const { slug = '' } = useParams();
  const user = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const data = useQuery(async () => {
    const [service, teams] = await Promise.all([api.services.get(slug), api.teams.all()]);
    return { service, teams };
  }, [slug]);
  useTitle(data.data ? `Edit ${data.data.service.name}` : 'Edit service');

  const back = { to: `/services/${slug}`, label: data.data?.service.name ?? slug };
  if (data.error) {
    return (
      <>
        <PageHeader title="Edit service" back={back} />
        <LoadError error={data.error} onRetry={data.reload} what="the service" />
      </>
    );
  }
  if (!data.data) return <Loading />;
  const { service, teams } = data.data;
  // Handing a service over needs manager rights on the receiving team as well; the current owner always stays listed.
  const managed = managedTeamSlugs(user);
  const options = teams.filter((t) => managed === null || managed.includes(t.slug) || t.slug === service.team.slug);

  return (
    <>
      <PageHeader title={`Edit ${service.name}`} back={back} />
      <ServiceForm
        mode="edit"
        initial={initialValues(service)}
        teams={options}
        cancelTo={`/services/${service.slug}`}
        onSubmit={async (v) => {
          await api.services.update(service.slug, toInput(v, 'edit'));
          toast.success('Changes saved');
          navigate(`/services/${service.slug}`);
        }}
      />
    </>
  );
}
