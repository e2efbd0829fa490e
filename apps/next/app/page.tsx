import { cookies } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { fetchStats } from '../lib/backend';
import { BASE_PATH } from '../lib/paths';
import { SESSION_COOKIE } from '../lib/session';
import { statCards } from '../lib/stats';

// Every request is per-user and must hit the backend: never prerender or cache this page.
export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) redirect('/login');
  const outcome = await fetchStats(token);
  switch (outcome.kind) {
    case 'login':
      redirect('/login?error=expired');
    case 'forbidden':
      forbidden();
    case 'unavailable':
      // Logged for operators; the error page tells the user without internals.
      console.error(JSON.stringify({ level: 'error', msg: 'admin stats unavailable', reason: outcome.reason }));
      throw new Error('stats unavailable');
  }
  const cards = statCards(outcome.stats);
  return (
    <>
      <header className="bar">
        <h1>imstack overview</h1>
        <form method="post" action={`${BASE_PATH}/api/logout`}>
          <button type="submit" className="secondary" data-testid="logout">
            Sign out
          </button>
        </form>
      </header>
      <dl className="cards" data-testid="stats">
        {cards.map((c) => (
          <div className="card" key={c.key} data-testid={`stat-${c.key}`}>
            <dt>{c.label}</dt>
            <dd>{c.value}</dd>
            {c.detail ? <small>{c.detail}</small> : null}
          </div>
        ))}
      </dl>
      <p className="muted">Figures come live from the backend on every load.</p>
    </>
  );
}
