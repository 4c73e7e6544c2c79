import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { Markdown } from '../../components/Markdown';
import { Banner, Button, ButtonLink, LoadError, Loading, PageHeader } from '../../components/ui';
import { hasTeamRole } from '../../lib/permissions';
import { useLiveUpdates } from '../../lib/useLiveUpdates';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { treeApi, type Walk } from './tree-api';
import { LeafAction, WalkPath } from './tree-parts';
import '../../styles/trees.css';

/**
 * /runbooks/trees/:slug — the walker. Opening it starts a walk (recorded on `?incident=INC-n` when
 * given) and puts its id in the URL (`?walk=`), so a reload or a shared link resumes the same walk.
 * One question at a time with big answer buttons; the path above with a way back; the leaf's action
 * with a button that performs it.
 */
export function TreeWalkPage() {
  const { slug = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const incident = params.get('incident') ?? undefined;
  const walkId = params.get('walk');
  const me = useCurrentUser();
  const tree = useQuery(() => treeApi.get(slug), [slug]);
  useTitle(tree.data?.title ?? 'Decision tree');
  const [walk, setWalk] = useState<Walk | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const started = useRef<string | null>(null);

  const begin = useCallback(async () => {
    setError(null);
    try {
      const w = await treeApi.startWalk(slug, incident);
      setWalk(w);
      setParams((p) => {
        const next = new URLSearchParams(p);
        next.set('walk', w.id);
        return next;
      }, { replace: true });
    } catch (err) {
      setError(err);
    }
  }, [slug, incident, setParams]);

  useEffect(() => {
    const key = `${slug}|${walkId ?? ''}|${incident ?? ''}`;
    if (walk && walk.id === walkId) return;
    if (started.current === key) return;
    started.current = key;
    if (walkId) treeApi.getWalk(walkId).then(setWalk, setError);
    else void begin();
  }, [slug, walkId, incident, walk, begin]);

  // Two people can follow the same walk (a shared ?walk= link): keep it current.
  const liveWalk = walk?.id;
  useLiveUpdates({
    types: ['decision_tree_walk'],
    match: (e) => e.subject_id === liveWalk,
    onChange: () => {
      if (liveWalk && !busy) treeApi.getWalk(liveWalk).then(setWalk, () => undefined);
    },
    enabled: !!liveWalk,
  });

  const act = async (fn: () => Promise<Walk>) => {
    setBusy(true);
    setActionError(null);
    try {
      setWalk(await fn());
    } catch (err) {
      setActionError(errorMessage(err));
      // Someone else may have moved the shared walk on: show where it is now.
      if (walk) treeApi.getWalk(walk.id).then(setWalk, () => undefined);
    } finally {
      setBusy(false);
    }
  };
  const jump = (index: number) =>
    void act(async () => {
      let w = walk!;
      while (w.path.length > index) w = await treeApi.back(w.id);
      return w;
    });
  const restart = () => {
    setWalk(null);
    started.current = null;
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.delete('walk');
      return next;
    }, { replace: true });
  };

  if (tree.error) return <LoadError error={tree.error} onRetry={tree.reload} what="the decision tree" />;
  if (error) return <LoadError error={error} onRetry={() => (walkId ? treeApi.getWalk(walkId).then(setWalk, setError) : void begin())} what="the walk" />;
  if (!tree.data || !walk) return <Loading />;
  const canEdit = hasTeamRole(me, tree.data.team.slug, 'responder');

  return (
    <>
      <PageHeader
        back={walk.incident ? { to: `/incidents/${encodeURIComponent(walk.incident.ref)}`, label: walk.incident.ref } : { to: '/runbooks/trees', label: 'Decision trees' }}
        title={tree.data.title}
        subtitle={
          walk.incident ? (
            <>
              Recorded on{' '}
              <Link to={`/incidents/${encodeURIComponent(walk.incident.ref)}`}>
                {walk.incident.ref} {walk.incident.title}
              </Link>
            </>
          ) : (
            tree.data.description || undefined
          )
        }
        actions={
          <>
            <Button icon="refresh" onClick={restart}>
              Start over
            </Button>
            {canEdit && (
              <ButtonLink icon="edit" to={`/runbooks/trees/${encodeURIComponent(tree.data.slug)}/edit`}>
                Edit tree
              </ButtonLink>
            )}
          </>
        }
      />
      <div className="tree-walker card">
        <div className="tree-walker-top">
          <WalkPath path={walk.path} onJump={jump} busy={busy} />
          {walk.path.length > 0 && (
            <Button icon="arrowLeft" size="sm" disabled={busy} onClick={() => void act(() => treeApi.back(walk.id))}>
              Back
            </Button>
          )}
        </div>
        {actionError && <Banner>{actionError}</Banner>}
        {walk.status === 'active' ? (
          <div className="tree-question" data-testid="tree-question">
            <Markdown source={walk.current.text} className="tree-text" />
            <div className="tree-answers" role="group" aria-label="Answers">
              {walk.current.answers.map((a, i) => (
                <button key={a.label} type="button" className="tree-answer" disabled={busy} onClick={() => void act(() => treeApi.answer(walk.id, walk.current.id, i))}>
                  {a.label}
                </button>
              ))}
            </div>
          </div>
        ) : (
          <LeafAction walk={walk} onChange={setWalk} />
        )}
      </div>
    </>
  );
}
