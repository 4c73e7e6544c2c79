import { Navigate, Route, Routes } from 'react-router-dom';
import { AppLayout } from './components/AppLayout';
import { AlertDetailPage } from './pages/alerts/AlertDetailPage';
import { AlertsPage } from './pages/alerts/AlertsPage';
import { SilencesPage } from './pages/alerts/SilencesPage';
import { RequireAuth } from './components/RequireAuth';
import { NAV_ITEMS } from './nav';
import { ComingSoonPage } from './pages/ComingSoonPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OnCallPage } from './pages/oncall/OnCallPage';
import { PoliciesPage } from './pages/oncall/PoliciesPage';
import { PolicyEditorPage } from './pages/oncall/PolicyEditorPage';
import { ScheduleCreatePage } from './pages/oncall/ScheduleCreatePage';
import { ScheduleDetailPage } from './pages/oncall/ScheduleDetailPage';
import { ProfilePage } from './pages/profile/ProfilePage';
import { ServiceCreatePage } from './pages/services/ServiceCreatePage';
import { ServiceDetailPage } from './pages/services/ServiceDetailPage';
import { ServiceEditPage } from './pages/services/ServiceEditPage';
import { ServicesPage } from './pages/services/ServicesPage';
import { AuditPage } from './pages/settings/AuditPage';
import { TokensPage } from './pages/settings/TokensPage';
import { TeamDetailPage } from './pages/teams/TeamDetailPage';
import { TeamsPage } from './pages/teams/TeamsPage';
import { UserDetailPage } from './pages/users/UserDetailPage';
import { UsersPage } from './pages/users/UsersPage';
import { IncidentsPage } from './pages/incidents/IncidentsPage';
import { DeclareIncidentPage } from './pages/incidents/DeclareIncidentPage';
import { IncidentDetailPage } from './pages/incidents/IncidentDetailPage';
import { CommunicationTemplatesPage } from './pages/incidents/updates-TemplatesPage';
import { IncidentSettingsPage } from './pages/incidents/IncidentSettingsPage';
import { IncidentMetricsPage } from './pages/postmortems/IncidentMetricsPage';
import { PostmortemsPage } from './pages/postmortems/PostmortemsPage';
import { PostmortemPage } from './pages/postmortems/PostmortemPage';
import { ActionItemsPage } from './pages/postmortems/ActionItemsPage';
import { RunbooksPage } from './pages/runbooks/RunbooksPage';
import { RunbookPage } from './pages/runbooks/RunbookPage';
import { RunbookEditorPage } from './pages/runbooks/RunbookEditorPage';
import { RunPage } from './pages/runbooks/RunPage';
import { RunsPage } from './pages/runbooks/RunsPage';
import { TreesPage } from './pages/runbooks/TreesPage';
import { TreeWalkPage } from './pages/runbooks/TreeWalkPage';
import { TreeEditorPage } from './pages/runbooks/TreeEditorPage';

/** Every client route. Areas marked `ready: false` in nav.ts get a "coming soon" page automatically. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/services" replace />} />

        <Route path="alerts" element={<AlertsPage />} />
        <Route path="alerts/silences" element={<SilencesPage />} />
        <Route path="alerts/:id" element={<AlertDetailPage />} />

        <Route path="oncall" element={<OnCallPage />} />
        <Route path="oncall/schedules/new" element={<ScheduleCreatePage />} />
        <Route path="oncall/schedules/:slug" element={<ScheduleDetailPage />} />
        <Route path="oncall/policies" element={<PoliciesPage />} />
        <Route path="oncall/policies/new" element={<PolicyEditorPage />} />
        <Route path="oncall/policies/:slug" element={<PolicyEditorPage />} />

        <Route path="incidents" element={<IncidentsPage />} />
        <Route path="incidents/new" element={<DeclareIncidentPage />} />
        <Route path="incidents/metrics" element={<IncidentMetricsPage />} />
        <Route path="incidents/settings" element={<IncidentSettingsPage />} />
        <Route path="incidents/templates" element={<CommunicationTemplatesPage />} />
        <Route path="incidents/:id" element={<IncidentDetailPage />} />

        <Route path="postmortems" element={<PostmortemsPage />} />
        <Route path="postmortems/action-items" element={<ActionItemsPage />} />
        <Route path="postmortems/:id" element={<PostmortemPage />} />

        {/* Runbook slugs `new`, `runs` and `trees` are reserved by the server, so these never clash. */}
        <Route path="runbooks" element={<RunbooksPage />} />
        <Route path="runbooks/new" element={<RunbookEditorPage />} />
        <Route path="runbooks/runs" element={<RunsPage />} />
        <Route path="runbooks/runs/:id" element={<RunPage />} />
        <Route path="runbooks/trees" element={<TreesPage />} />
        <Route path="runbooks/trees/new" element={<TreeEditorPage />} />
        <Route path="runbooks/trees/:slug" element={<TreeWalkPage />} />
        <Route path="runbooks/trees/:slug/edit" element={<TreeEditorPage />} />
        <Route path="runbooks/:slug" element={<RunbookPage />} />
        <Route path="runbooks/:slug/edit" element={<RunbookEditorPage />} />

        <Route path="profile" element={<ProfilePage />} />

        <Route path="services" element={<ServicesPage />} />
        <Route path="services/new" element={<ServiceCreatePage />} />
        <Route path="services/:slug" element={<ServiceDetailPage />} />
        <Route path="services/:slug/edit" element={<ServiceEditPage />} />

        <Route path="teams" element={<TeamsPage />} />
        <Route path="teams/:slug" element={<TeamDetailPage />} />

        <Route path="users" element={<UsersPage />} />
        <Route path="users/:id" element={<UserDetailPage />} />

        <Route path="settings" element={<Navigate to="/settings/tokens" replace />} />
        <Route path="settings/tokens" element={<TokensPage />} />
        <Route path="settings/audit" element={<AuditPage />} />

        {NAV_ITEMS.filter((i) => !i.ready).map((i) => (
          <Route key={i.path} path={`${i.path.slice(1)}/*`} element={<ComingSoonPage item={i} />} />
        ))}

        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
