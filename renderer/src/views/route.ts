// Hash routing, so every view can be linked and reloaded:
//   #/new                    the migration wizard
//   #/connections            saved connections
//   #/consume[/<profile>]    the Kafka consumer wizard (topics of a saved Kafka connection → a database)
//   #/jobs/<name>            a job's dashboard
//   #/jobs/<name>/cutover    the job's cutover assistant
//   #/jobs/<name>/rollback   the rollback checklist of a switched job (through its reverse job)
// Anything else is "home": the first job, or the empty state when there is none.
import { useEffect, useState } from 'react';

export type Route =
  | { view: 'home' }
  | { view: 'new' }
  | { view: 'connections' }
  | { view: 'consume'; profile: string | null }
  | { view: 'job'; job: string }
  | { view: 'cutover'; job: string }
  | { view: 'rollback'; job: string };

export function parseRoute(hash: string): Route {
  if (hash === '#/new') return { view: 'new' };
  if (hash === '#/connections') return { view: 'connections' };
  const consume = /^#\/consume(?:\/([^/]+))?$/.exec(hash);
  if (consume) {
    try {
      return { view: 'consume', profile: consume[1] ? decodeURIComponent(consume[1]) : null };
    } catch {
      return { view: 'consume', profile: null };
    }
  }
  const m = /^#\/jobs\/([^/]+)(\/cutover|\/rollback)?$/.exec(hash);
  if (!m?.[1]) return { view: 'home' };
  let job: string;
  try {
    job = decodeURIComponent(m[1]);
  } catch {
    return { view: 'home' };
  }
  return m[2] === '/cutover' ? { view: 'cutover', job } : m[2] === '/rollback' ? { view: 'rollback', job } : { view: 'job', job };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'home':
      return '#/';
    case 'new':
      return '#/new';
    case 'connections':
      return '#/connections';
    case 'consume':
      return route.profile ? `#/consume/${encodeURIComponent(route.profile)}` : '#/consume';
    case 'job':
      return jobHash(route.job);
    case 'cutover':
      return cutoverHash(route.job);
    case 'rollback':
      return rollbackHash(route.job);
  }
}

export function jobHash(name: string): string {
  return `#/jobs/${encodeURIComponent(name)}`;
}

export function cutoverHash(name: string): string {
  return `${jobHash(name)}/cutover`;
}

export function rollbackHash(name: string): string {
  return `${jobHash(name)}/rollback`;
}

export function navigate(route: Route): void {
  window.location.hash = routeHash(route);
}

export function navigateToJob(name: string): void {
  navigate({ view: 'job', job: name });
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The job a route shows (its dashboard, its cutover assistant or its rollback), if any. */
export function routeJob(route: Route): string | null {
  return route.view === 'job' || route.view === 'cutover' || route.view === 'rollback' ? route.job : null;
}
