import { LOGIN_MESSAGES } from '../../lib/access';
import { BASE_PATH } from '../../lib/paths';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { error } = await searchParams;
  const message = typeof error === 'string' ? LOGIN_MESSAGES[error] : undefined;
  return (
    <>
      <h1>imstack admin sign-in</h1>
      <form className="login" method="post" action={`${BASE_PATH}/api/login`} data-testid="admin-login-form">
        <label>
          Username
          <input name="username" autoComplete="username" required minLength={3} maxLength={32} data-testid="username" />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required minLength={8} maxLength={128} data-testid="password" />
        </label>
        {message ? (
          <p className="error" role="alert" data-testid="login-error">
            {message}
          </p>
        ) : null}
        <button type="submit" data-testid="login">
          Sign in
        </button>
      </form>
    </>
  );
}
