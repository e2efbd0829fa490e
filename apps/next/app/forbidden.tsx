import { BASE_PATH } from '../lib/paths';

// Rendered by forbidden() with HTTP 403 when the backend refuses a signed-in non-admin.
export default function Forbidden() {
  return (
    <section data-testid="forbidden">
      <h1>Admins only</h1>
      <p>You are signed in, but this overview is only for administrators.</p>
      <form method="post" action={`${BASE_PATH}/api/logout`}>
        <button type="submit" className="secondary">
          Sign in as someone else
        </button>
      </form>
    </section>
  );
}
